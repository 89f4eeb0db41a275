"""Script alignment on real speech: a long-form case of more than ten minutes built from the real
LJ Speech clips of ../shared/corpus (re-joined with pauses, fillers, tones, noise and tempo
changes, reference times carried through), and the wrong and cut-short scripts the confidence
must catch, in en (real speech), ru and ko (espeak-ng readers other than the aligner's voice:
no free human recordings with times were found). See tests/corpus_cases.py."""
from __future__ import annotations

import resource

import numpy as np
import pytest

from conftest import needs_tool
from corpus_cases import CORPUS, LJ, Case, corpus_folder, ljspeech_case, synthesised_case, truncated_recording, truncated_script, wrong_script
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
    for errors in (np.abs(starts), np.abs(ends)):
        assert np.median(errors) <= 0.10
        assert np.percentile(errors, 95) <= 0.30
    # no drift: the last quarter is placed as well as the first
    quarters = np.array_split(np.abs(starts), 4)
    assert max(np.median(q) for q in quarters) <= 0.05
    assert np.percentile(quarters[-1], 90) <= 0.30
    # the worst lines are a sentence's first word taken onto a filler said in the pause before it
    assert np.abs(starts).max() <= 2.5 and np.abs(ends).max() <= 0.5
    assert case.seconds / spent >= 30, f"{case.seconds / spent:.0f}x realtime"
    assert result.quality >= MISMATCH_BELOW  # a correct script is never rejected


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
