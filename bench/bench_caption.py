"""Caption alignment accuracy and speed.

1. The real recordings of ../shared/corpus (human speech with a reference timing per line):
   per line, the error of our start and end against the reference, median and 95th percentile
   (goal: median <= 0.10 s, p95 <= 0.35 s), and speed as multiples of realtime on one core
   (goal: >= 50x).
2. Our own cases with known boundaries, synthesised with espeak-ng in en, ru and ko by a voice
   other than the aligner's own (another variant, slower, other pitch): plain reading, long
   pauses, music before the speech, a script with one sentence missing, and the wrong recording.

Two conventions for the reference's times are reported. The reference (aeneas) makes fragments
contiguous: a line ends where the next begins, somewhere in the pause between them. Our cues
start where the speech starts and end where it ends. So "start" compares our first word's start
with the reference begin (the raw figure), and "start, same pause" counts an error as 0 when no
speech lies between the two times (both sit in the same pause, which a viewer cannot tell
apart). "end" compares the reference end with the start of our next line (the reference's own
convention); our speech ends are listed per line for inspection.

Skips cleanly when ../shared is absent. Usage: python bench/bench_caption.py   (or make bench)
"""
from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core, as the goal says

import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline import ffmpeg  # noqa: E402
from pipeline.caption.align import align  # noqa: E402
from pipeline.audio import FRAME, features, voiced  # noqa: E402
from pipeline.caption.segment import tokens_of  # noqa: E402
from pipeline.caption.speech import VOICES, read_audio  # noqa: E402
from speech_cases import music, reading  # noqa: E402  (tests/speech_cases.py)

CORPUS = ROOT.parent / "shared" / "corpus"
RATE = 16000
OUTLIER = 0.35
TEXTS = {
    "en": ["Hold the phone with both hands and keep your elbows close to your body.",
           "Lean on a table or a wall whenever you can, because every small movement shows on the screen.",
           "Look at the lens, not at your own face, and speak as if to one student.",
           "Smile before you start, and count to two before the first sentence."],
    "ru": ["Держите телефон двумя руками и прижмите локти к телу.",
           "Опирайтесь на стол или на стену, потому что каждое движение видно на экране.",
           "Смотрите в объектив, а не на своё лицо, и говорите как будто с одним учеником.",
           "Улыбнитесь перед началом и сосчитайте до двух перед первой фразой."],
    "ko": ["휴대폰을 두 손으로 잡고 팔꿈치를 몸에 붙이세요.",
           "작은 움직임도 화면에 모두 보이기 때문에 탁자나 벽에 기대세요.",
           "자신의 얼굴이 아니라 렌즈를 보고 학생 한 명에게 말하듯이 하세요.",
           "시작하기 전에 웃고 첫 문장 전에 둘까지 세세요."],
}
WRONG = {"en": "Turn off the lights that hum and close the window facing the street. A quiet room matters more than an expensive microphone.",
         "ru": "Выключите лампы, которые гудят, и закройте окно на улицу. Тихая комната важнее дорогого микрофона.",
         "ko": "윙윙거리는 전등을 끄고 거리 쪽 창문을 닫으세요. 조용한 방이 비싼 마이크보다 중요합니다."}


def _stats(errors: list[float]) -> dict:
    values = np.abs(np.array(errors, dtype=float))
    return {"median_s": round(float(np.median(values)), 3), "p95_s": round(float(np.percentile(values, 95)), 3),
            "max_s": round(float(values.max()), 3), "n": int(len(values))}


def _timed_align(samples: np.ndarray, words: list[str], voice: str, runs: int = 3):
    align(samples, words, voice)  # warm: imports, caches, page faults
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = align(samples, words, voice)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    seconds = len(samples) / RATE
    # espeak-ng runs in a child process: its time is in the wall clock, not in process_time
    return result, {"audio_s": round(seconds, 2), "align_wall_s": round(float(np.median(walls)), 3),
                    "realtime_x": round(seconds / float(np.median(walls)), 1),
                    "realtime_x_cpu": round(seconds / float(np.median(cpus)), 1)}


def _lines(result, lines: list[str]) -> list[tuple[float, float, float]]:
    """(start, end, mean confidence) of each script line from the aligned words."""
    out, at = [], 0
    for line in lines:
        count = len(tokens_of(line))
        words = result.words[at: at + count]
        out.append((words[0].start, words[-1].end, float(np.mean([w.confidence for w in words]))))
        at += count
    return out


# --- the corpus ----------------------------------------------------------------------------------

def corpus_line(folder: Path) -> dict:
    language = folder.name.split("-")[0]
    with tempfile.TemporaryDirectory(prefix="bench-caption-") as scratch:
        wav = Path(scratch) / "audio.wav"
        ffmpeg.run(["ffmpeg", "-v", "error", "-y", *ffmpeg.WHITELIST, "-i", str(folder / "audio.mp3"), "-ac", "1", "-ar", str(RATE),
                    "-c:a", "pcm_s16le", str(wav)], context=folder.name)
        samples = read_audio(wav)
    lines = [line.strip() for line in (folder / "script.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    reference = json.loads((folder / "reference.aeneas.json").read_text(encoding="utf-8"))["fragments"]
    result, speed = _timed_align(samples, tokens_of(" ".join(lines)), VOICES[language])
    ours = _lines(result, lines)
    speech = voiced(features(samples).energy_db, mfcc=features(samples).mfcc)
    duration = len(samples) / RATE
    rows, start_raw, start_pause, end_next = [], [], [], []
    for k, ((start, end, confidence), fragment) in enumerate(zip(ours, reference)):
        ref_begin, ref_end = float(fragment["begin"]), float(fragment["end"])
        lo, hi = sorted((start, ref_begin))
        same_pause = not speech[int(lo / FRAME): int(hi / FRAME)].any()
        next_start = ours[k + 1][0] if k + 1 < len(ours) else duration
        start_raw.append(start - ref_begin)
        start_pause.append(0.0 if same_pause else start - ref_begin)
        end_next.append(next_start - ref_end)
        rows.append({"line": k + 1, "text": lines[k], "ref_begin": ref_begin, "ref_end": ref_end, "start": round(start, 3),
                     "speech_end": round(end, 3), "start_error": round(start - ref_begin, 3), "same_pause": same_pause,
                     "end_error": round(next_start - ref_end, 3), "confidence": round(confidence, 2)})
    figures = {"language": language, **speed, "start": _stats(start_raw), "start_same_pause": _stats(start_pause),
               "end": _stats(end_next), "quality": result.quality, "divergences": len(result.divergences), "lines": rows}
    print(f"   {folder.name} ({language}, {speed['audio_s']} s): start median {figures['start']['median_s']} s, p95 "
          f"{figures['start']['p95_s']} s (same-pause: {figures['start_same_pause']['median_s']} / {figures['start_same_pause']['p95_s']}); "
          f"end median {figures['end']['median_s']} s, p95 {figures['end']['p95_s']} s; {speed['realtime_x']}x realtime "
          f"({speed['realtime_x_cpu']}x by CPU time); match {result.quality}")
    for row in rows:
        if abs(row["start_error"]) > OUTLIER or abs(row["end_error"]) > OUTLIER:
            print(f"     outlier line {row['line']:2d} \"{row['text'][:40]}\": ref {row['ref_begin']:.2f}-{row['ref_end']:.2f}, ours "
                  f"{row['start']:.2f}-{row['speech_end']:.2f} (start {row['start_error']:+.2f}{', same pause' if row['same_pause'] else ''}, "
                  f"end {row['end_error']:+.2f})")
    return figures


# --- synthesised cases ---------------------------------------------------------------------------

def synthetic_language(language: str) -> dict:
    sentences = TEXTS[language]
    voice = VOICES[language]
    out = {}
    cases = {"plain": ([0.5] * 4, 0.5, 0.0), "long pauses": ([3.0, 2.0, 2.5, 0.5], 0.5, 0.0), "music first": ([0.5] * 4, 0.5, 4.0)}
    starts, ends = [], []
    for name, (pauses, lead, music_s) in cases.items():
        samples, spans = reading(sentences, language, pauses, lead)
        if music_s:
            samples = np.concatenate([music(music_s), np.zeros(RATE // 2, np.float32), samples])
            spans = [(s + music_s + 0.5, e + music_s + 0.5) for s, e in spans]
        result, speed = _timed_align(samples, tokens_of(" ".join(sentences)), voice, runs=1)
        found = _lines(result, sentences)
        s_err = [f[0] - s for f, s in zip(found, (s for s, _ in spans))]
        e_err = [f[1] - e for f, e in zip(found, (e for _, e in spans))]
        starts += s_err
        ends += e_err
        out[name] = {"start_errors": [round(x, 3) for x in s_err], "end_errors": [round(x, 3) for x in e_err],
                     "quality": result.quality, "divergences": len(result.divergences), **speed}
    samples, spans = reading(sentences, language, [0.5] * 4, 0.5)
    missing = align(samples, tokens_of(" ".join(sentences[:1] + sentences[2:])), voice)
    hit = [d for d in missing.divergences if d.start < spans[1][1] and d.end > spans[1][0]]
    out["missing sentence"] = {"truth": [round(x, 2) for x in spans[1]], "found": [[d.start, d.end, d.kind] for d in missing.divergences],
                               "detected_in_place": bool(hit), "quality": missing.quality}
    wrong = align(samples, tokens_of(WRONG[language]), voice)
    out["wrong recording"] = {"quality": wrong.quality, "detected": wrong.quality < 0.35}
    out["start"], out["end"] = _stats(starts), _stats(ends)
    print(f"   synthesised {language}: start median {out['start']['median_s']} s, p95 {out['start']['p95_s']} s; end median "
          f"{out['end']['median_s']} s, p95 {out['end']['p95_s']} s; {out['plain']['realtime_x']}x realtime; missing sentence "
          f"{'found at ' + str(hit[0].start) + '-' + str(hit[0].end) + ' s (truth ' + str(out['missing sentence']['truth']) + ')' if hit else 'NOT found'}; "
          f"wrong recording match {wrong.quality} ({'caught' if out['wrong recording']['detected'] else 'NOT caught'})")
    return out


def main() -> dict:
    figures = {"goal": {"median_s": 0.10, "p95_s": 0.35, "realtime_x": 50}}
    folders = sorted(p for p in CORPUS.iterdir() if (p / "reference.aeneas.json").is_file()) if CORPUS.is_dir() else []
    if not folders:
        print(f"   SKIPPED the corpus: {CORPUS} is not present beside the project (the synthesised cases still run)")
        figures["corpus"] = "skipped: ../shared/corpus is absent"
    else:
        figures["corpus"] = {p.name: corpus_line(p) for p in folders}
    figures["synthesised"] = {language: synthetic_language(language) for language in ("en", "ru", "ko")}
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=1, ensure_ascii=False)[:4000])
