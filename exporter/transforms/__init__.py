"""Stages: functions Document -> Document, applied in order by the pipeline."""
