"""Batch progress on stderr: documents done / total and an ETA, only on a terminal."""

from __future__ import annotations

import io

import pytest

from exporter.executors.progress import DocumentProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_documents_and_clears_before_each_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    seen = []
    for item in DocumentProgress(3, True).track(["a", "b", "c"]):
        # Whatever the caller prints now starts on a clean line.
        assert terminal.getvalue().endswith("\r\033[K")
        seen.append(item)
    assert seen == ["a", "b", "c"]
    text = terminal.getvalue()
    assert "exporter: 0/3 documents" in text
    assert "exporter: 1/3 documents, ETA " in text and "exporter: 2/3 documents, ETA " in text
    assert "exporter: 3/3 documents" in text
    assert text.endswith("\r\033[K")  # the line is gone at the end


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    assert list(DocumentProgress(2, True).track([1, 2])) == [1, 2]
    assert pipe.getvalue() == ""
