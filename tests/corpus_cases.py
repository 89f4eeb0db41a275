"""Long-form alignment cases with reference times carried through, for the caption tests and
bench/bench_caption.py.

English: the real LJ Speech clips of ``../shared/corpus/en-ljspeech-printing`` (human read
speech, exact clip boundaries), re-joined in several rounds, each round in another order and at
another tempo (ffmpeg ``atempo``), with pauses of 0.3-4 s, fillers the script lacks in some
pauses ("um", "uh": spoken by espeak-ng, no free recordings of fillers were found), tones like
music in others, and room noise under everything. Russian and Korean: no human recordings with reference times are
available under a free licence, so espeak-ng reads the sentences with voices, speeds and pitches
other than the aligner's own (``speech_cases.SPEAKER`` and variants below), joined the same way.
Reference times are per script line (a clip or a sentence): its first and last sample of speech.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile

from pipeline import ffmpeg
from pipeline.audio import resample as _resample
from speech_cases import music, speak

RATE = 16000
ROOT = Path(__file__).resolve().parents[1]
# the corpus sits beside the checkout (../shared/corpus); MICROLEARN_CORPUS points elsewhere
CORPUS = Path(os.environ.get("MICROLEARN_CORPUS") or ROOT / ".." / "shared" / "corpus")
LJ = "en-ljspeech-printing"
TEMPI = (1.0, 0.9, 1.12, 0.95, 1.06)

# Sentences for the synthesised ru/ko (and en) cases: a teacher explaining how to record.
SENTENCES = {
    "en": ["Hold the phone with both hands and keep your elbows close to your body.",
           "Lean on a table or a wall whenever you can, because every small movement shows on the screen.",
           "Look at the lens, not at your own face, and speak as if to one student.",
           "Smile before you start, and count to two before the first sentence.",
           "Turn off the lights that hum and close the window facing the street.",
           "A quiet room matters more than an expensive microphone.",
           "Record a short test, listen to it with headphones, and only then record the lesson.",
           "If you make a mistake, pause, take a breath, and say the whole sentence again."],
    "ru": ["Держите телефон двумя руками и прижмите локти к телу.",
           "Опирайтесь на стол или на стену, потому что каждое движение видно на экране.",
           "Смотрите в объектив, а не на своё лицо, и говорите как будто с одним учеником.",
           "Улыбнитесь перед началом и сосчитайте до двух перед первой фразой.",
           "Выключите лампы, которые гудят, и закройте окно на улицу.",
           "Тихая комната важнее дорогого микрофона.",
           "Запишите короткую пробу, послушайте её в наушниках и только потом записывайте урок.",
           "Если ошиблись, сделайте паузу, вдохните и скажите всю фразу заново."],
    "ko": ["휴대폰을 두 손으로 잡고 팔꿈치를 몸에 붙이세요.",
           "작은 움직임도 화면에 모두 보이기 때문에 탁자나 벽에 기대세요.",
           "자신의 얼굴이 아니라 렌즈를 보고 학생 한 명에게 말하듯이 하세요.",
           "시작하기 전에 웃고 첫 문장 전에 둘까지 세세요.",
           "윙윙거리는 전등을 끄고 거리 쪽 창문을 닫으세요.",
           "조용한 방이 비싼 마이크보다 중요합니다.",
           "짧게 시험 녹음을 하고 헤드폰으로 들은 다음에 수업을 녹음하세요.",
           "실수하면 잠시 멈추고 숨을 쉰 다음 문장 전체를 다시 말하세요."],
}
# readers other than the aligner's voice (en-us, ru, ko at 175 words a minute, pitch 50)
READERS = {"en": [("en-gb+m3", 140, 35), ("en+f3", 165, 60)], "ru": [("ru+f2", 135, 60), ("ru+m4", 160, 40)],
           "ko": [("ko+m2", 130, 40), ("ko+f3", 160, 65)]}


@dataclass(frozen=True)
class Case:
    """A recording and its script, one reference (start, end) per script line."""

    name: str
    language: str
    samples: np.ndarray
    lines: tuple[str, ...]
    spans: tuple[tuple[float, float], ...]

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def corpus_folder(name: str) -> Path | None:
    folder = CORPUS / name
    return folder if folder.is_dir() else None


@lru_cache(maxsize=None)
def ljspeech_clips() -> tuple[tuple[str, np.ndarray], ...]:
    """The 32 LJ Speech clips as (text, 16 kHz samples), cut at their exact boundaries."""
    folder = CORPUS / LJ
    samples, rate = soundfile.read(str(folder / "audio.flac"), dtype="float32")
    segments = json.loads((folder / "timings.json").read_text(encoding="utf-8"))["segments"]
    out = []
    for seg in segments:
        clip = samples[round(seg["start"] * rate): round(seg["end"] * rate)]
        out.append((seg["text"], _resample(clip, rate, RATE)))
    return tuple(out)


def _speech_span(samples: np.ndarray) -> tuple[float, float]:
    """First and last sample above a quiet threshold (LJ clips keep a few ms of room tone)."""
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return (loud[0] / RATE, (loud[-1] + 1) / RATE) if len(loud) else (0.0, len(samples) / RATE)


def _atempo(samples: np.ndarray, tempo: float, scratch: Path) -> np.ndarray:
    """``samples`` played ``tempo`` times faster, pitch kept (ffmpeg atempo)."""
    if tempo == 1.0:
        return samples
    src, out = scratch / "in.wav", scratch / "out.wav"
    soundfile.write(str(src), samples, RATE, subtype="FLOAT")
    ffmpeg.run(["ffmpeg", "-v", "error", "-y", *ffmpeg.WHITELIST, "-i", str(src), "-af", f"atempo={tempo}", "-c:a", "pcm_f32le", str(out)],
               context="corpus case")
    stretched, _ = soundfile.read(str(out), dtype="float32")
    return stretched


def fillers(language: str) -> list[np.ndarray]:
    """Hesitations the script does not hold ("um", "uh", "er"; "э-э", "м-м"; "음", "어"), spoken
    by espeak-ng: no filler recordings with a free licence were found."""
    words = {"en": ["um", "uh", "er", "hmm"], "ru": ["э", "мм", "ну"], "ko": ["음", "어", "그"]}[language]
    voice = {"en": "en+f2", "ru": "ru+f4", "ko": "ko+f2"}[language]
    return [speak(word, voice, 120, 45) for word in words]


BEDS = {"music": -20.0, "noise": -20.0}  # dB under the speech's level: a music bed, a noisy room (SNR 20 dB)


def bed(kind: str, n: int, seed: int) -> np.ndarray:
    """``n`` samples of sound under the speech at level 0 dB (RMS 1): "music", chords of decaying
    notes with harmonics that change every 0.4-1.2 s (it changes like speech, so the voice
    detector's test for held tones does not remove it), or "noise", pink noise (a room, a fan,
    traffic: more energy low, like speech)."""
    rng = np.random.default_rng(seed)
    if kind == "noise":
        spectrum = np.fft.rfft(rng.standard_normal(n))
        spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0))
        out = np.fft.irfft(spectrum, n)
    else:
        out, at = np.zeros(n), 0
        scale = 110.0 * 2 ** (np.array([0, 2, 4, 5, 7, 9, 11, 12, 14, 16]) / 12)
        while at < n:
            length = min(n - at, round(rng.uniform(0.4, 1.2) * RATE))
            t = np.arange(length) / RATE
            for note in rng.choice(scale, 3, replace=False) * rng.choice([1, 2]):
                tone = sum(np.sin(2 * np.pi * note * h * t) / h for h in (1, 2, 3))
                out[at: at + length] += tone * np.exp(-t * rng.uniform(1.5, 4.0))
            at += length
    return (out / np.sqrt(np.mean(out ** 2))).astype(np.float32)


def joined(pieces: list[tuple[str, np.ndarray]], seconds: float, seed: int, language: str, tempi=TEMPI,
           noise_db: float = -50.0, under: str | None = None, under_db: float | None = None
           ) -> tuple[np.ndarray, list[str], list[tuple[float, float]]]:
    """Rounds of ``pieces`` (text, samples) until ``seconds`` are reached: round k in a shuffled
    order (the first in order) at tempo ``tempi[k]``, pauses of 0.3-4 s, some holding a filler
    or a tone; noise under all, and ``under`` ("music" or "noise", see ``BEDS``) under the
    speech as well, ``under_db`` (default ``BEDS[under]``) below the speech's level."""
    rng = np.random.default_rng(seed)
    fillers_ = fillers(language)
    out, lines, spans, at, k = [np.zeros(round(0.8 * RATE), np.float32)], [], [], 0.8, 0
    with tempfile.TemporaryDirectory(prefix="corpus-case-") as scratch:
        while at < seconds:
            order = np.arange(len(pieces)) if k == 0 else rng.permutation(len(pieces))
            tempo = tempi[k % len(tempi)]
            chunk, marks, here = [], [], 0.0
            for index in order:
                if at + here > seconds and marks:
                    break
                text, clip = pieces[index]
                s, e = _speech_span(clip)
                marks.append((text, here + s, here + e))
                pause = float(np.exp(rng.uniform(np.log(0.3), np.log(4.0))))
                gap = np.zeros(round(pause * RATE), np.float32)
                roll = rng.uniform()
                if pause > 1.6 and roll < 0.3:  # a filler the script lacks, in the middle of the pause
                    snippet = fillers_[int(rng.integers(len(fillers_)))]
                    put = (len(gap) - len(snippet)) // 2
                    gap[put: put + len(snippet)] += snippet * float(rng.uniform(0.3, 0.8))
                elif pause > 1.6 and roll < 0.5:  # a tone like music, away from the speech
                    tone = music(pause - 1.0) * 0.5
                    gap[round(0.5 * RATE): round(0.5 * RATE) + len(tone)] += tone
                chunk += [clip, gap]
                here += (len(clip) + len(gap)) / RATE
            audio = _atempo(np.concatenate(chunk), tempo, Path(scratch))
            scale = len(audio) / RATE / here  # atempo's exact length ratio
            for text, s, e in marks:
                lines.append(text)
                spans.append((round(at + s * scale, 3), round(at + e * scale, 3)))
            out.append(audio)
            at += len(audio) / RATE
            k += 1
    samples = np.concatenate(out + [np.zeros(RATE, np.float32)])
    samples = samples + np.random.default_rng(seed + 1).standard_normal(len(samples)).astype(np.float32) * 10 ** (noise_db / 20)
    if under:
        level = float(np.sqrt(np.mean(np.concatenate([p for _, p in pieces]) ** 2)))  # the speech's RMS
        samples = samples + bed(under, len(samples), seed + 2) * level * 10 ** ((BEDS[under] if under_db is None else under_db) / 20)
    return samples.astype(np.float32), lines, spans


def _length(seconds: float) -> str:
    return f"{seconds / 60:.0f}min" if seconds >= 60 else f"{seconds:.0f}s"


def ljspeech_case(seconds: float, seed: int = 3, under: str | None = None, under_db: float | None = None) -> Case:
    """Real LJ Speech clips re-joined to at least ``seconds`` (see module docstring), with
    ``under`` ("music", "noise") ``under_db`` under the speech."""
    clips = list(ljspeech_clips())
    samples, lines, spans = joined(clips, seconds, seed, "en", under=under, under_db=under_db)
    level = BEDS.get(under or "", 0.0) if under_db is None else under_db
    name = f"en-ljspeech-{_length(seconds)}" + (f"+{under}{level:.0f}dB" if under else "")
    return Case(name, "en", samples, tuple(lines), tuple(spans))


def synthesised_case(language: str, seconds: float, seed: int = 5, reader: int = 0, under: str | None = None,
                     under_db: float | None = None) -> Case:
    """``SENTENCES[language]`` read by espeak-ng as another reader (SYNTHETIC speech, not a
    human's), joined to ``seconds``, with ``under`` ("music", "noise") under the speech."""
    voice, speed, pitch = READERS[language][reader]
    pieces = [(text, speak(text, voice, speed, pitch)) for text in SENTENCES[language]]
    samples, lines, spans = joined(pieces, seconds, seed, language, tempi=(1.0, 1.08, 0.93), under=under, under_db=under_db)
    level = BEDS.get(under or "", 0.0) if under_db is None else under_db
    name = f"{language}-espeak-{voice}-{speed}wpm-{_length(seconds)}" + (f"+{under}{level:.0f}dB" if under else "")
    return Case(name, language, samples, tuple(lines), tuple(spans))


# Texts no case says: a wrong script is made of these (same language, another subject).
OTHER = {
    "en": ["The library opens at nine and closes at six on weekdays.", "Bring your student card to borrow books for two weeks.",
           "Journals and newspapers stay in the reading room.", "Ask the librarian if you cannot find what you are looking for."],
    "ru": ["Библиотека открыта с девяти до шести по будням.", "Возьмите студенческий билет, чтобы взять книги на две недели.",
           "Журналы и газеты остаются в читальном зале.", "Спросите библиотекаря, если не можете найти нужную книгу."],
    "ko": ["도서관은 평일 아홉 시부터 여섯 시까지 엽니다.", "책을 이 주 동안 빌리려면 학생증을 가져오세요.",
           "잡지와 신문은 열람실에만 있습니다.", "찾는 책이 없으면 사서에게 물어보세요."],
}


def wrong_script(case: Case) -> list[str]:
    """Lines of another text in the case's language, about as many words as the case's script."""
    words = sum(len(line.split()) for line in case.lines)
    out, k = [], 0
    while sum(len(line.split()) for line in out) < words:
        out.append(OTHER[case.language][k % len(OTHER[case.language])])
        k += 1
    return out


def truncated_script(case: Case, share: float = 0.6) -> list[str]:
    """The script without its last lines: the recording goes on past it."""
    return list(case.lines[: max(1, int(len(case.lines) * share))])


def truncated_recording(case: Case, share: float = 0.6) -> np.ndarray:
    """The recording cut in the pause after ``share`` of its lines: the script goes on past it."""
    keep = max(1, int(len(case.lines) * share))
    end = case.spans[keep - 1][1] + 0.3
    return case.samples[: round(end * RATE)]
