"""``results.json`` and ``timings.json``: a versioned, documented encoding of :class:`RunResult`.

The encoding is generic over the frozen dataclasses of :mod:`vaultproof.results` (field name →
JSON key, enum → its value, tuple → array), so a field added there shows up here without a second
copy of the model; the JSON Schema in ``results.schema.json`` pins the shape and a test validates
every written file against it. Wall-clock seconds are the one thing that differs between two runs
on the same input, so they are split off into ``timings.json`` and merged back on load: that keeps
``results.json`` (and every report rendered from it) byte-identical across runs. A field whose
metadata says ``encode: False`` (``results.IN_MEMORY``) stays in memory and is not written.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vaultproof.errors import VaultproofError
from vaultproof.jsonio import read_json
from vaultproof.results import MetricResult, PropertyResult, RunResult

RESULTS_SCHEMA = "vaultproof/results"
RESULTS_VERSION = 4
TIMINGS_SCHEMA = "vaultproof/timings"
TIMINGS_VERSION = 1

# Fields that hold wall-clock time: written to timings.json only, never to results.json.
_TIMING_FIELD = "seconds"


class ResultsFileError(VaultproofError):
    """``results.json`` is missing, not JSON, of another schema/version, or has a malformed field."""


def encode(value: Any) -> Any:
    """Plain JSON value of a result object (timing fields dropped)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != _TIMING_FIELD and f.metadata.get("encode", True)
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    return value


def results_document(result: RunResult) -> dict[str, Any]:
    return {"schema": RESULTS_SCHEMA, "version": RESULTS_VERSION, "result": encode(result)}


def dumps(document: Mapping[str, Any]) -> str:
    """The one serialisation every JSON output uses: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- timings -------------------------------------------------------------------------------------


def _timed(result: PropertyResult | MetricResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"seconds": result.seconds}
    if isinstance(result, PropertyResult):
        entry["obligations"] = [{"name": ob.name, "seconds": ob.seconds} for ob in result.obligations]
    return entry


def timings_document(result: RunResult) -> dict[str, Any]:
    properties = {r.property_id: _timed(r) for r in result.properties}
    seeds = {s.id: _timed(s.result) for s in result.seed_findings}
    metrics = {m.metric_id: _timed(m) for m in result.metrics}
    total = sum(r.seconds for r in result.properties) + sum(s.result.seconds for s in result.seed_findings)
    total += sum(m.seconds for m in result.metrics)
    return {
        "schema": TIMINGS_SCHEMA,
        "version": TIMINGS_VERSION,
        "solver_seconds_total": total,
        "properties": properties,
        "seed_findings": seeds,
        "metrics": metrics,
    }


def _with_property_times(result: PropertyResult, entry: Any) -> PropertyResult:
    if not isinstance(entry, dict):
        return result
    seconds = entry.get("seconds")
    times = entry.get("obligations")
    obligations = result.obligations
    if isinstance(times, list) and len(times) == len(obligations):
        obligations = tuple(
            dataclasses.replace(ob, seconds=float(t["seconds"]))
            if isinstance(t, dict) and t.get("name") == ob.name and isinstance(t.get("seconds"), int | float)
            else ob
            for ob, t in zip(obligations, times, strict=True)
        )
    return dataclasses.replace(
        result,
        seconds=float(seconds) if isinstance(seconds, int | float) else result.seconds,
        obligations=obligations,
    )


def merge_timings(result: RunResult, timings: Mapping[str, Any]) -> RunResult:
    """Put the seconds of ``timings.json`` back into a result read from ``results.json``.

    Timings are advisory: an entry that does not match (renamed obligation, hand-edited file)
    leaves that field at 0.0 rather than failing the re-render.
    """
    props = timings.get("properties", {})
    seeds = timings.get("seed_findings", {})
    metrics = timings.get("metrics", {})
    if not all(isinstance(m, dict) for m in (props, seeds, metrics)):
        return result
    properties = tuple(_with_property_times(r, props.get(r.property_id)) for r in result.properties)
    seed_findings = tuple(
        dataclasses.replace(s, result=_with_property_times(s.result, seeds.get(s.id)))
        for s in result.seed_findings
    )
    metric_results = []
    for m in result.metrics:
        entry = metrics.get(m.metric_id)
        seconds = entry.get("seconds") if isinstance(entry, dict) else None
        metric_results.append(
            dataclasses.replace(m, seconds=float(seconds)) if isinstance(seconds, int | float) else m
        )
    return dataclasses.replace(
        result, properties=properties, seed_findings=seed_findings, metrics=tuple(metric_results)
    )


# --- decoding ------------------------------------------------------------------------------------


def _fail(path: str, message: str) -> typing.NoReturn:
    raise ResultsFileError(f"{path or 'result'}: {message}")


def _decode(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        args = typing.get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            _fail(path, "must not be null")
        options = [a for a in args if a is not type(None)]
        if len(options) != 1:  # results.py has only `X | None` unions; anything else is a model change
            _fail(path, f"cannot decode union {tp}")
        return _decode(options[0], data, path)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list):
            _fail(path, "expected an array")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], item, f"{path}[{i}]") for i, item in enumerate(data))
        _fail(path, f"cannot decode fixed tuple {tp}")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            _fail(path, f"{data!r} is not one of {allowed}")
    if tp is bool:
        if not isinstance(data, bool):
            _fail(path, "expected true or false")
        return data
    if tp is int:
        if not isinstance(data, int) or isinstance(data, bool):
            _fail(path, "expected an integer")
        return data
    if tp is float:
        if not isinstance(data, int | float) or isinstance(data, bool):
            _fail(path, "expected a number")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            _fail(path, "expected a string")
        return data
    _fail(path, f"unsupported field type {tp}")


def _decode_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        _fail(path, f"expected an object ({cls.__name__})")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unexpected = sorted(set(data) - known)
    if unexpected:
        _fail(path, f"unexpected key(s) {', '.join(unexpected)} in {cls.__name__}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        where = f"{path}.{f.name}" if path else f.name
        if f.name == _TIMING_FIELD:
            kwargs[f.name] = 0.0
        elif f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name], where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            _fail(where, "missing")
    return cls(**kwargs)


def decode_result(document: Any) -> RunResult:
    if not isinstance(document, dict):
        raise ResultsFileError("expected a JSON object")
    if document.get("schema") != RESULTS_SCHEMA:
        raise ResultsFileError(f"schema is {document.get('schema')!r}, expected {RESULTS_SCHEMA!r}")
    if document.get("version") != RESULTS_VERSION:
        raise ResultsFileError(
            f"version {document.get('version')!r} is not supported "
            f"(this vaultproof reads version {RESULTS_VERSION})"
        )
    if "result" not in document:
        raise ResultsFileError("missing key 'result'")
    result = _decode(RunResult, document["result"], "")
    assert isinstance(result, RunResult)
    return result


def _check_schema(document: Any, path: Path) -> None:
    """results.json must match results.schema.json exactly: a field the schema forbids (a typo, a
    hand edit, a newer writer) is a one-line error, never silently dropped from the reports."""
    import jsonschema

    schema = json.loads((Path(__file__).parent / "results.schema.json").read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ResultsFileError(f"{path}: does not match results.schema.json at {where}: {error.message}")


def load_results(path: Path) -> RunResult:
    """Read ``results.json`` (and ``timings.json`` beside it, if any) back into a :class:`RunResult`."""
    document = read_json(path, ResultsFileError, "results", "run `vaultproof run` first to produce it")
    try:
        result = decode_result(document)
    except ResultsFileError as exc:
        raise ResultsFileError(f"{path}: {exc}") from None
    _check_schema(document, path)  # after the decoder's own (more specific) messages
    timings_path = path.with_name("timings.json")
    if timings_path.is_file():
        try:
            timings = json.loads(timings_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            timings = None
        if isinstance(timings, dict) and timings.get("schema") == TIMINGS_SCHEMA:
            result = merge_timings(result, timings)
    return result


__all__ = [
    "RESULTS_SCHEMA",
    "RESULTS_VERSION",
    "ResultsFileError",
    "decode_result",
    "dumps",
    "encode",
    "load_results",
    "merge_timings",
    "results_document",
    "timings_document",
]
