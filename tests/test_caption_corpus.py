"""Script alignment on real speech: a long-form case of more than ten minutes built from the real
LJ Speech clips of ../shared/corpus (re-joined with pauses, fillers, tones, noise and tempo
changes, reference times carried through), music and noise under the speech, and the wrong and
cut-short scripts the confidence must catch, in en (real speech), ru and ko (SYNTHETIC: espeak-ng
readers other than the aligner's voice, with fillers; no free human recordings with times were
found). See tests/corpus_cases.py."""
from __future__ import annotations

import resource

from dataclasses import dataclass

import numpy as np
import pytest

from conftest import needs_tool
from corpus_cases import (CORPUS, LJ, RATE, READERS, SENTENCES, Case, bed, corpus_folder, fillers, ljspeech_case, synthesised_case,
                          truncated_recording, truncated_script, wrong_script)
from speech_cases import speak
from pipeline.audio import FRAME, STEADY_SHARE_NOISY, features, hesitations, noisy, voiced
from pipeline.caption import MISMATCH_BELOW
from pipeline.caption.align import align
from pipeline.caption.segment import tokens_of
from pipeline.lesson.model import DEFAULT_VOICES

pytestmark = [needs_tool("espeak-ng"), pytest.mark.media]


def real_speech() -> None:
    if corpus_folder(LJ) is None:
        pytest.skip(f"{CORPUS / LJ} is not present beside the project: the real-speech cases are built from ../shared/corpus")


def cpu_seconds() -> float:
    """CPU time of this process and its children (espeak-ng): the machine may be shared."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def line_errors(result, case: Case) -> tuple[np.ndarray, np.ndarray]:
    """Signed error of each script line's first word start and last word end, in seconds."""
    starts, ends, at = [], [], 0
    for line, (start, end) in zip(case.lines, case.spans):
        words = result.words[at: at + len(tokens_of(line))]
        at += len(words)
        starts.append(words[0].start - start)
        ends.append(words[-1].end - end)
    return np.array(starts), np.array(ends)


def case_for(language: str, seconds: float) -> Case:
    if language == "en":
        real_speech()
        return ljspeech_case(seconds)
    return synthesised_case(language, seconds)


def test_ten_minutes_of_real_speech_align_without_drift_at_30x_realtime():
    real_speech()
    case = ljspeech_case(600)
    assert case.seconds >= 600 and len(case.lines) >= 60
    before = cpu_seconds()
    result = align(case.samples, tokens_of(" ".join(case.lines)), DEFAULT_VOICES["en"])
    spent = cpu_seconds() - before
    starts, ends = line_errors(result, case)
    assert_goals(starts, ends)
    assert case.seconds / spent >= 30, f"{case.seconds / spent:.0f}x realtime"
    assert result.quality >= MISMATCH_BELOW  # a correct script is never rejected


def assert_goals(starts: np.ndarray, ends: np.ndarray) -> None:
    """Issue 12's goals for cue starts and ends (median 0.10, p95 0.30, max 1.0 s), and no drift:
    every quarter of the lines starts within the median goal, the last as well as the first."""
    for kind, errors in (("start", np.abs(starts)), ("end", np.abs(ends))):
        worst = int(np.argmax(errors))
        assert np.median(errors) <= 0.10, f"{kind} median {np.median(errors):.3f} s"
        assert np.percentile(errors, 95) <= 0.30, f"{kind} p95 {np.percentile(errors, 95):.3f} s"
        assert errors.max() <= 1.0, f"{kind} of line {worst} off by {errors.max():.3f} s"
    quarters = [float(np.median(q)) for q in np.array_split(np.abs(starts), 4)]
    assert max(quarters) <= 0.10 and quarters[-1] <= quarters[0] + 0.05, f"start error by quarter {np.round(quarters, 3)}"


@pytest.mark.parametrize("language, under, reader", [("en", "music", 0), ("en", "noise", 0), ("ru", "music", 1),
                                                     ("ko", "noise", 1)])
def test_music_or_noise_under_the_speech_and_tempo_changes_keep_the_goals(language, under, reader):
    """Two minutes (three rounds at tempo 1.0, 0.9 and 1.12 for en; 1.0, 1.08, 0.93 for the espeak-ng
    readers) with fillers and pauses, and music 20 dB or pink noise 20 dB under the speech."""
    if language == "en":
        real_speech()
        case = ljspeech_case(120, under=under)
    else:
        case = synthesised_case(language, 120, reader=reader, under=under)
    result = align(case.samples, tokens_of(" ".join(case.lines)), DEFAULT_VOICES[language])
    starts, ends = line_errors(result, case)
    assert_goals(starts, ends)
    assert result.quality >= MISMATCH_BELOW


@pytest.mark.parametrize("language, snr", [("en", 15), ("en", 10), ("ru", 15), ("ru", 10), ("ko", 15), ("ko", 10)])
def test_pink_noise_at_snr_15_and_10_db_under_the_speech_keeps_the_goals(language, snr):
    """Pink noise (a room, a fan) only ``snr`` dB under the speech for two minutes with fillers and
    pauses keeps the goals. en is real speech
    (LJ Speech); ru and ko are SYNTHETIC (espeak-ng's second reader, another voice and speed)."""
    if language == "en":
        real_speech()
        case = ljspeech_case(120, under="noise", under_db=-snr)
    else:
        case = synthesised_case(language, 120, reader=1, under="noise", under_db=-snr)
    result = align(case.samples, tokens_of(" ".join(case.lines)), DEFAULT_VOICES[language])
    starts, ends = line_errors(result, case)
    assert_goals(starts, ends)
    assert result.quality >= MISMATCH_BELOW


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_wrong_and_cut_short_scripts_are_caught_and_the_right_one_passes(language):
    case = case_for(language, 40)
    voice = DEFAULT_VOICES[language]
    right = align(case.samples, tokens_of(" ".join(case.lines)), voice)
    assert right.quality >= MISMATCH_BELOW
    assert sum(d.end - d.start for d in right.divergences) <= 0.05 * case.seconds  # a stray doubt at most
    starts, _ = line_errors(right, case)
    assert np.median(np.abs(starts)) <= 0.10
    wrong = align(case.samples, tokens_of(" ".join(wrong_script(case))), voice)
    assert wrong.quality < MISMATCH_BELOW and wrong.divergences
    short_script = align(case.samples, tokens_of(" ".join(truncated_script(case))), voice)
    assert short_script.quality < MISMATCH_BELOW and short_script.divergences
    short_recording = align(truncated_recording(case), tokens_of(" ".join(case.lines)), voice)
    assert short_recording.quality < MISMATCH_BELOW and short_recording.divergences


# a sentence that starts with a short word after a pause holding a filler ("um") the script lacks
AFTER_FILLER = {"en": "Now, smile before you start.", "ru": "Итак, улыбнитесь перед началом.", "ko": "자, 시작하기 전에 웃으세요."}


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
@pytest.mark.parametrize("filler", [0, 1, 2])
def test_a_filler_in_the_pause_before_a_sentence_does_not_take_its_first_word(language, filler):
    """SYNTHETIC (espeak-ng readers other than the aligner's voice): sentence, pause with a filler
    in its middle, a sentence whose first word is short. The filler is found as a held sound
    (audio.hesitations) and the second sentence's first word starts where it is said."""
    case = FillerCase(language, filler)
    samples = case.clean + np.random.default_rng(2).standard_normal(len(case.clean)).astype(np.float32) * 0.003
    found = features(samples)
    speech = voiced(found.energy_db, mfcc=found.mfcc)
    # "um", "э", "음" are a held vowel or nasal (a filler that is a word, "ну", is not)
    case.check(samples, speech, hesitations(found.mfcc, speech), filler_held=filler == 0)


@dataclass
class FillerCase:
    """Sentence, a second's pause, a filler, a second's pause, a sentence whose first word is short."""

    language: str
    filler: int = 0

    def __post_init__(self):
        voice, speed, pitch = READERS[self.language][1]
        self.first = speak(SENTENCES[self.language][0], voice, speed, pitch)
        second = speak(AFTER_FILLER[self.language], voice, speed, pitch)
        self.um = fillers(self.language)[self.filler] * 0.6
        pause = np.zeros(RATE, np.float32)
        self.clean = np.concatenate([pause[: RATE // 2], self.first, pause, self.um, pause, second, pause])
        self.level = float(np.sqrt(np.mean(np.concatenate([self.first, second]) ** 2)))
        self.said = (RATE // 2 + len(self.first) + 2 * RATE + len(self.um)) / RATE  # the second sentence starts
        self.at_um = (RATE // 2 + len(self.first) + RATE) / RATE

    def check(self, samples: np.ndarray, speech: np.ndarray, held: np.ndarray, filler_held: bool) -> None:
        """The filler is held (when it is a held sound), no word before it is (Korean "자," is: one long
        vowel; its word still goes there), and the second sentence's first word starts where it is said."""
        heard = slice(int(self.at_um / FRAME), int((self.at_um + len(self.um) / RATE) / FRAME))
        if filler_held:
            assert speech[heard].sum() >= 10 and held[heard][speech[heard]].all()
        assert not held[: int(self.at_um / FRAME) - 10].any()
        words = tokens_of(SENTENCES[self.language][0] + " " + AFTER_FILLER[self.language])
        result = align(samples, words, DEFAULT_VOICES[self.language])
        opening = result.words[len(tokens_of(SENTENCES[self.language][0]))]
        assert abs(opening.start - self.said) <= 0.10, f"{opening.text} at {opening.start:.2f} s, said at {self.said:.2f} s"


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_a_filler_in_loud_pink_noise_is_still_held_and_does_not_take_the_next_word(language):
    """SYNTHETIC (espeak-ng's second reader): the filler case above with pink noise 15 dB under the
    speech. The recording is noisy (audio.noisy), and with the share of change a noisy recording
    allows the filler is still held, where the noise's flicker hides it from the clean limit
    (measured: the "э" and the "음" are not held at all at 0.42), and no word is; the second
    sentence's first word starts where it is said."""
    case = FillerCase(language)
    samples = case.clean + bed("noise", len(case.clean), 7) * case.level * 10 ** (-15 / 20)
    found = features(samples, bands=True)
    assert noisy(found.energy_db)
    speech = voiced(found.energy_db, mfcc=found.mfcc, band_snr_db=found.band_snr_db)
    case.check(samples, speech, hesitations(found.mfcc, speech, STEADY_SHARE_NOISY), filler_held=True)


@pytest.mark.parametrize("language", ["en", "ru", "ko"])
def test_under_pink_noise_at_snr_10_db_wrong_and_cut_short_scripts_are_still_caught(language):
    """The noise views change what counts as speech in a noisy recording: the confidence must still
    tell a wrong script, a script cut short and a recording cut short from the right one (two
    minutes, pink noise 10 dB under the speech; en real speech, ru and ko SYNTHETIC)."""
    if language == "en":
        real_speech()
        case = ljspeech_case(120, under="noise", under_db=-10)
    else:
        case = synthesised_case(language, 120, reader=1, under="noise", under_db=-10)
    voice = DEFAULT_VOICES[language]
    assert align(case.samples, tokens_of(" ".join(case.lines)), voice).quality >= MISMATCH_BELOW
    for samples, lines in ((case.samples, wrong_script(case)), (case.samples, truncated_script(case)),
                           (truncated_recording(case), case.lines)):
        result = align(samples, tokens_of(" ".join(lines)), voice)
        assert result.quality < MISMATCH_BELOW and result.divergences
