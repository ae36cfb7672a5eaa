"""What the audit report says, in what order: one document, rendered to Markdown and to HTML.

Everything comes from the :class:`RunResult` (the property catalogue included, so the report's
catalogue can never drift from the declarations). No wall-clock time appears here: seconds live
in ``timings.json`` so two runs on the same input produce byte-identical reports.
"""

from __future__ import annotations

from vaultproof.report import view
from vaultproof.report.doc import (
    VERDICT_TONES,
    Badge,
    Block,
    Bullets,
    Code,
    Heading,
    Inline,
    KeyValues,
    Link,
    Listing,
    Para,
    Section,
    Strong,
    Table,
    Text,
    anchor_for,
    text,
    verdict_badge,
)
from vaultproof.results import (
    EIP170_BYTES,
    BytecodeEvidence,
    CatalogueEntry,
    CheckerKind,
    Counterexample,
    EvidenceStatus,
    MutantOutcome,
    MutantResult,
    MutationSpace,
    PropertyResult,
    RunResult,
    SeedFindingResult,
    Severity,
    StaticFinding,
)

SEVERITY_TONES = {
    Severity.CRITICAL: "bad",
    Severity.HIGH: "bad",
    Severity.MEDIUM: "warn",
    Severity.LOW: "info",
    Severity.INFORMATIONAL: "muted",
    Severity.OPTIMIZATION: "muted",
}

TIMINGS_NOTE = (
    "Wall-clock solver times per property and per obligation are in timings.json beside this report; "
    "they are kept out of it so that two runs on the same input give byte-identical reports."
)


EVIDENCE_TONES = {
    EvidenceStatus.REPLAY_DIFFERS: "bad",
    EvidenceStatus.FAILED: "bad",
    EvidenceStatus.ERROR: "bad",
    EvidenceStatus.REPLAYED: "ok",
    EvidenceStatus.FUZZED: "info",
    EvidenceStatus.NO_BYTECODE: "muted",
}

EVIDENCE_NOTE = (
    "Bytecode evidence is a second kind of evidence beside the verdict, never a replacement for it: "
    "REPLAYED means the model's counterexample, replayed as a generated forge test, violates on the compiled "
    "bytecode too; REPLAY-DIFFERS means it does not (model and code disagree); FUZZED runs×depth means a "
    "forge invariant suite found no violation in that many random calls (evidence, not a proof); FAILED "
    "carries forge's shrunk failing call sequence."
)


def evidence_badge(e: BytecodeEvidence) -> Badge:
    tone = "ok" if e.expect_failure and e.as_expected else EVIDENCE_TONES[e.status]
    return Badge(view.evidence_label(e), tone)


def _evidence_table(evidence: list[BytecodeEvidence]) -> Table:
    rows = tuple(
        (
            _t(evidence_badge(e)),
            _t(e.kind),
            _t(Code(e.subject)),
            _t(Code(f"{e.test}::{e.test_name}") if e.test else "—"),
            _t(e.detail),
        )
        for e in evidence
    )
    return Table(("evidence", "kind", "about", "forge test", "detail (token units)"), rows, css="evidence")


def _sequence_blocks(evidence: list[BytecodeEvidence]) -> list[Block]:
    blocks: list[Block] = []
    for e in evidence:
        if e.sequence:
            blocks.append(
                Para(
                    text(Strong(f"Shrunk failing sequence of {e.test_name}"), f" ({len(e.sequence)} calls):")
                )
            )
            blocks.append(Bullets(tuple(text(Code(step)) for step in e.sequence)))
    return blocks


def _glance_evidence(result: RunResult, property_id: str) -> Text:
    """The property's own evidence: replays and shipped invariants (broken variants: in its section)."""
    found = [
        e
        for e in view.evidence_of(result, property_id)
        if e.subject == property_id and not e.expect_failure and e.status is not EvidenceStatus.NO_BYTECODE
    ]
    if not found:
        return _t("—")
    worst = min(found, key=lambda e: e.status.rank)
    return _t(evidence_badge(worst)) + ((f" +{len(found) - 1}",) if len(found) > 1 else ())


def _disagreements(result: RunResult) -> list[Block]:
    differs = view.replay_differs(result)
    if not differs:
        return []
    return [
        Heading(2, "Model and bytecode disagree", "replay-differs"),
        Para(
            text(
                Strong(f"{len(differs)} counterexample(s) did not replay on the compiled bytecode."),
                " The model claims a violation the code does not show (or shows differently): the model, "
                "the recipe or the code is wrong, and this is a finding in itself.",
            )
        ),
        _evidence_table(differs),
    ]


def _evidence_section(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Bytecode evidence", "bytecode-evidence"), Para(text(EVIDENCE_NOTE))]
    if not result.evidence:
        return [
            *blocks,
            Para(
                text("No bytecode evidence in this run (forge not installed, or [evidence] off)."), muted=True
            ),
        ]
    blocks.append(_evidence_table(list(result.evidence)))
    blocks += _sequence_blocks([e for e in result.evidence if e.status is EvidenceStatus.FAILED])
    return blocks


def severity_badge(severity: Severity) -> Badge:
    return Badge(severity.value, SEVERITY_TONES[severity])


def _t(value: str | Inline) -> Text:
    return (value,)


def counterexample_table(example: Counterexample) -> Table:
    rows = tuple((_t(v.name), _t(Code(str(v.raw))), _t(v.display)) for v in example.values)
    return Table(("name", "raw", "value (token units)"), rows, css="cex", numeric=(1, 2))


def _counterexample_blocks(example: Counterexample, lead: str) -> list[Block]:
    blocks: list[Block] = [Para(text(Strong(lead), " obligation ", Code(example.obligation)))]
    if example.values:
        blocks.append(counterexample_table(example))
    else:
        blocks.append(Para(text("The model named no quantities for this obligation."), muted=True))
    if example.explanation:
        blocks.append(Para(text(example.explanation)))
    return blocks


def _obligations_table(result: PropertyResult) -> Table:
    rows = tuple(
        (
            _t(Code(ob.name)),
            _t(verdict_badge(ob.verdict.value)),
            _t("" if ob.bound is None else f"{ob.bound} steps"),
            _t(ob.reason),
        )
        for ob in result.obligations
    )
    return Table(("obligation", "verdict", "bound", "reason"), rows, css="obligations")


def _findings_table(findings: list[StaticFinding] | tuple[StaticFinding, ...]) -> Table:
    rows = []
    for f in findings:
        where: Text = tuple(
            part
            for i, loc in enumerate(f.locations)
            for part in ((", ",) if i else ()) + (Code(view.location_text(loc)),)
        )
        status: Text = (
            (Badge("triaged", "muted"), " " + f.triage_reason) if f.triaged else (Badge("untriaged", "warn"),)
        )
        rows.append(
            (
                _t(severity_badge(f.impact)),
                _t(Code(f.detector)),
                _t(
                    Code(f"{f.contract}.{f.function}" if f.function else f.contract)
                    if f.contract
                    else "(file level)"
                ),
                where or _t("(no source location)"),
                _t(f.title or f.description),
                status,
            )
        )
    return Table(
        ("severity", "detector", "where", "location", "finding", "triage"),
        tuple(rows),
        css="findings",
        pin_ends=True,
    )


def _summary(result: RunResult, fail_on: Severity) -> list[Block]:
    counts = view.verdict_counts(result)
    verdict_rows = tuple((_t(verdict_badge(label)), _t(str(n))) for label, n in counts.items())
    blocks: list[Block] = [
        Heading(2, "Summary", "summary"),
        Para(
            text(
                f"{len(result.catalogue)} declared properties, {len(result.properties)} decided, "
                f"{len(result.seed_findings)} findings against the seeds, {len(result.metrics)} quantitative "
                f"results, {len(result.static_findings)} static findings. Gate: ",
                Strong(view.gate_label(result)),
                f" (exit code {int(result.exit_code)}).",
            )
        ),
        Table(("verdict", "properties"), verdict_rows, css="summary", numeric=(1,)),
    ]
    severity_rows = tuple(
        (
            _t(severity_badge(sev)),
            _t(str(untriaged)),
            _t(str(triaged)),
            _t("yes" if view.at_or_above(sev, fail_on) else "no"),
        )
        for sev, untriaged, triaged in view.severity_rows(result.static_findings)
    )
    blocks.append(
        Table(
            ("static findings by severity", "untriaged", "triaged", f"gated (fail_on = {fail_on.value})"),
            severity_rows,
            css="summary-severity",
            numeric=(1, 2),
        )
    )
    facts: list[tuple[str, Text]] = []
    confirmed = sum(1 for s in result.seed_findings if s.confirmed)
    if result.seed_findings:
        facts.append(
            ("Findings against the seeds", text(f"{confirmed} of {len(result.seed_findings)} confirmed"))
        )
    score = view.mutation_score(result)
    if score is not None:
        killed, total = score
        facts.append(
            ("Mutation score", text(f"{killed}/{total} mutants killed ({view.percent(killed, total)})"))
        )
    over = [s.contract for s in result.sizes if not s.within_limit]
    facts.append(
        (
            "Bytecode sizes",
            text(
                f"{len(result.sizes)} contracts, "
                + (f"over the limit: {', '.join(over)}" if over else "all within EIP-170")
            ),
        )
    )
    if result.evidence:
        by_status: dict[str, int] = {}
        for e in result.evidence:
            label = e.status.value + (" as required (broken variants)" if e.expect_failure else "")
            by_status[label] = by_status.get(label, 0) + 1
        facts.append(
            (
                "Bytecode evidence",
                text(", ".join(f"{n} {label}" for label, n in sorted(by_status.items())) + " (see below)"),
            )
        )
    facts.append(("Gate", text(Strong(view.gate_label(result)))))
    blocks.append(KeyValues(tuple(facts)))
    # At a glance: every declared property, one line, linked to its section.
    glance = tuple(
        (
            _t(Link(c.id, anchor_for(c.id))),
            _t(c.title),
            _t(severity_badge(c.severity)),
            _t(Code(c.checker)),
            _t(_status_badge(view.status_of(result, c))),
            _glance_evidence(result, c.id),
        )
        for c in result.catalogue
    )
    blocks.append(Heading(3, "Properties at a glance", "at-a-glance"))
    if glance:
        blocks.append(
            Table(
                ("id", "title", "severity", "checker", "verdict", "bytecode"),
                glance,
                css="glance",
                pin_ends=True,
            )
        )
    else:
        blocks.append(Para(text("The project declares no property."), muted=True))
    return blocks


def _property_section(result: RunResult, entry: CatalogueEntry) -> Section:
    found = view.results_by_id(result).get(entry.id)
    status = view.status_of(result, entry)
    targets: Text = tuple(
        part for i, t in enumerate(entry.targets) for part in ((", ",) if i else ()) + (Code(str(t)),)
    )
    fields: list[tuple[str, Text]] = [
        ("Verdict", text(_status_badge(status))),
        ("Statement", text(entry.statement)),
        ("Seed", text(entry.seed)),
        ("Severity if it fails", text(severity_badge(entry.severity))),
        ("Checker", text(Code(entry.checker))),
        ("Targets", targets or text("(none: a detector property)")),
    ]
    # The same places PROPERTIES.md points at (paths relative to the project root).
    if entry.declaration is not None:
        fields.append(("Declared at", text(Code(view.location_text(entry.declaration)))))
    if entry.model_function is not None:
        label = "Model function" if entry.checker_kind is CheckerKind.Z3 else "Detector"
        fields.append((label, text(Code(view.location_text(entry.model_function)))))
    if entry.broken_description:
        fields.append(
            (
                "Checked against",
                text("broken variant: " + entry.broken_description + " (must come out VIOLATED)"),
            )
        )
    fields.append(("Why it matters", text(entry.rationale)))
    blocks: list[Block] = [
        Heading(3, f"{entry.id} — {entry.title}", anchor_for(entry.id)),
        KeyValues(tuple(fields)),
    ]
    if entry.assumptions:
        blocks.append(Para(text(Strong("Assumptions"))))
        blocks.append(Bullets(tuple(text(a) for a in entry.assumptions)))
    if found is not None:
        if found.reason:
            blocks.append(Para(text(Strong("Reason:"), " ", found.reason)))
        if entry.checker_kind is CheckerKind.Z3:
            blocks += _code_blocks(result, entry, found)
        if found.obligations:
            blocks.append(_obligations_table(found))
        for ob in found.obligations:
            if ob.counterexample is not None:
                blocks += _counterexample_blocks(ob.counterexample, "Counterexample for")
    elif entry.checker_kind is CheckerKind.Z3:
        blocks.append(Para(text("Not decided in this run (restricted with --only)."), muted=True))
    else:
        blocks.append(
            Para(
                text(
                    "No verdict was recorded for this property: it is judged by its detector's findings "
                    "below (untriaged findings are open issues; none is not a proof)."
                ),
                muted=True,
            )
        )
    evidence = view.evidence_of(result, entry.id)
    if evidence:
        blocks.append(Para(text(Strong("Bytecode evidence"), " (beside the verdict, not instead of it)")))
        blocks.append(_evidence_table(evidence))
        blocks += _sequence_blocks(evidence)
    if entry.detector:
        detector = entry.detector
        hits = [f for f in result.static_findings if f.detector == detector]
        if hits:
            blocks.append(Para(text(Strong(f"Findings of detector {detector}"))))
            blocks.append(_findings_table(hits))
        else:
            blocks.append(Para(text(f"Detector {detector} reported no finding."), muted=True))
    return Section(tuple(blocks), css=f"card {_card_tone(status)}".strip(), anchor="")


def _status_badge(status: view.Status) -> Badge:
    return Badge(status.text, "bad") if status.open_findings else verdict_badge(status.text)


def _card_tone(status: view.Status) -> str:
    """A property card's colour: the verdict's own tone (a pass stays plain); open findings are bad,
    NOT RUN a warning, and no finding is neutral (it is not a proof, so not green)."""
    if status.open_findings:
        return "bad"
    if status.verdict is None:
        return "warn" if status.text == view.NOT_RUN else "muted"
    tone = VERDICT_TONES[status.verdict.value]
    return tone if tone in ("bad", "warn") else ""


def _code_blocks(result: RunResult, entry: CatalogueEntry, found: PropertyResult) -> list[Block]:
    """What the verdict covers: the functions executed on code, the proof coverage, each target's source."""
    executed: Text = tuple(
        part for i, f in enumerate(found.executed) for part in ((", ",) if i else ()) + (Code(str(f)),)
    )
    blocks: list[Block] = [
        KeyValues(
            (
                (
                    "Executed on code",
                    executed or text("nothing: no obligation executed the code (model only)"),
                ),
                ("Proof coverage", text(view.coverage_text(found))),
            )
        )
    ]
    if found.coverage:
        rows = tuple(
            (
                _t(Code(str(c.function))),
                _t(Code(c.file)),
                _t(f"{len(c.executed_lines)}/{len(c.statement_lines)}"),
                _t(view.percent(len(c.executed_lines), len(c.statement_lines))),
                _t(
                    ", ".join(str(line) for line in c.statement_lines if line not in set(c.executed_lines))
                    or "—"
                ),
            )
            for c in found.coverage
        )
        blocks.append(
            Table(
                ("target", "file", "statements executed", "coverage", "statement lines not executed"),
                rows,
                css="coverage",
                numeric=(2, 3),
            )
        )
    sources = view.sources_by_function(result)
    for c in found.coverage:
        source = sources.get(c.function)
        if source is None:
            continue
        blocks.append(
            Listing(
                title=f"{c.function} — {source.file}:{source.start_line}, "
                f"{len(c.executed_lines)}/{len(c.statement_lines)} statement lines executed",
                start_line=source.start_line,
                lines=source.text,
                statements=c.statement_lines,
                executed=c.executed_lines,
            )
        )
    return blocks


def _seed_section(result: RunResult, seed: SeedFindingResult) -> Section:
    fixer = view.results_by_id(result).get(seed.fixed_by)
    fixed_state: Text = (
        (Link(seed.fixed_by, anchor_for(seed.fixed_by)), " — ", verdict_badge(fixer.verdict.value))
        if fixer
        else (Link(seed.fixed_by, anchor_for(seed.fixed_by)), " (not decided in this run)")
    )
    status = Badge("confirmed", "ok") if seed.confirmed else Badge("NOT confirmed", "bad")
    fields: tuple[tuple[str, Text], ...] = (
        ("Status", text(status, " (the seed's rule is ", verdict_badge(seed.result.verdict.value), ")")),
        ("The seed's rule", text(seed.statement)),
        ("Seed", text(seed.seed)),
        ("Severity", text(severity_badge(seed.severity))),
        ("Why it is unsound", text(seed.rationale)),
        ("Fix proved by", fixed_state),
    )
    replays = view.evidence_of_subject(result, seed.id)
    if replays:
        fields += tuple(
            (
                "Replayed on bytecode",
                text(evidence_badge(e), " ", Code(e.test) if e.test else "", " — ", e.detail),
            )
            for e in replays
        )
    blocks: list[Block] = [Heading(3, f"{seed.id} — {seed.title}", anchor_for(seed.id)), KeyValues(fields)]
    if seed.result.reason:
        blocks.append(Para(text(Strong("Reason:"), " ", seed.result.reason)))
    example = seed.result.counterexample
    if example is not None:
        blocks += _counterexample_blocks(example, "Counterexample to the seed's rule,")
    elif not seed.confirmed:
        blocks.append(
            Para(
                text("No counterexample: the harness could not reproduce this finding in this run."),
                muted=True,
            )
        )
    return Section(tuple(blocks), css="card" if seed.confirmed else "card bad")


def _metrics(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Quantitative results", "metrics")]
    if not result.metrics:
        return [*blocks, Para(text("No quantitative analyses were declared."), muted=True)]
    for metric in result.metrics:
        blocks.append(Heading(3, metric.metric_id, anchor_for(metric.metric_id)))
        blocks.append(
            Para(
                text(
                    "Optimum: ",
                    verdict_badge(metric.verdict.value),
                    (" — " + metric.reason) if metric.reason else "",
                )
            )
        )
        if metric.values:
            rows = tuple(
                (_t(v.name), _t(Code(str(v.value.raw))), _t(v.value.display), _t(v.note))
                for v in metric.values
            )
            blocks.append(
                Table(("quantity", "raw", "value (token units)", "note"), rows, css="cex", numeric=(1, 2))
            )
    return blocks


def _static(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Static findings", "static-findings")]
    if not result.static_findings:
        return [*blocks, Para(text("No static finding was reported."), muted=True)]
    blocks.append(_findings_table(result.static_findings))
    details = tuple(
        text(
            Code(f.fingerprint[:12]),
            " ",
            Strong(f.check_id or f.detector),
            f" ({f.confidence} confidence): ",
            " ".join(f.description.split()),
        )
        for f in result.static_findings
        if f.description
    )
    if details:
        blocks.append(Para(text(Strong("Descriptions"))))
        blocks.append(Bullets(details))
    return blocks


def _sizes(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Bytecode sizes", "sizes")]
    if not result.sizes:
        return [*blocks, Para(text("No deployable contract was sized."), muted=True)]
    rows = tuple(
        (
            _t(Code(s.contract)),
            _t(Code(s.source)),
            _t(f"{s.deployed_bytes:,}"),
            _t(f"{s.limit_bytes:,}"),
            _t(f"{s.headroom:,}"),
            _t(view.percent(s.deployed_bytes, s.limit_bytes)),
            _t(Badge("within limit", "ok") if s.within_limit else Badge("OVER LIMIT", "bad")),
        )
        for s in result.sizes
    )
    blocks.append(
        Table(
            ("contract", "source", "deployed bytes", "limit", "headroom", "used", "status"),
            rows,
            css="sizes",
            numeric=(2, 3, 4, 5),
            pin_ends=True,
        )
    )
    blocks.append(
        Para(
            text(f"Limit: EIP-170, {EIP170_BYTES:,} bytes of deployed bytecode unless configured otherwise."),
            muted=True,
        )
    )
    return blocks


def _mutants(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Mutation campaign", "mutation")]
    score = view.mutation_score(result)
    if score is None:
        return [
            *blocks,
            Para(text("No mutants were run (--skip-mutants, --only, or none declared)."), muted=True),
        ]
    killed, total = score
    blocks.append(Para(text("Mutation score: ", Strong(f"{killed}/{total} ({view.percent(killed, total)})"))))
    generated = [m for m in result.mutants if m.mutant_set == "generated"]
    if generated:
        counts = view.outcome_counts(result)
        blocks.append(
            Para(
                text(
                    f"{len(generated)} generated mutants: "
                    + ", ".join(f"{counts[o]} {o.value}" for o in MutantOutcome)
                    + ". Equivalent (bytecode equal to the original's), duplicate (equal to another "
                    "mutant's), non-compiling and undecided (a proof UNKNOWN or ERROR on the mutant, or "
                    "forge timing out, and nothing else killed it) mutants are not scored."
                )
            )
        )
        if result.mutation_space is not None:
            blocks.append(Para(text(_drawn_from(result.mutation_space))))
    handwritten = [m for m in result.mutants if m.mutant_set != "generated"]
    if handwritten:
        blocks.append(Heading(3, "Hand-written mutants", "mutation-handwritten"))
        rows = tuple(
            (
                _t(Code(m.mutant_id)),
                _t(m.family),
                _t(m.description),
                _t(_handwritten_badge(m)),
                _codes(m.killed_by or m.undecided),
            )
            for m in handwritten
        )
        blocks.append(
            Table(
                ("mutant", "family", "seeded bug", "outcome", "killed by"), rows, css="mutants", pin_ends=True
            )
        )
    for by, title in (
        ("family", "Score per family"),
        ("contract", "Score per contract"),
        ("operator", "Score per operator"),
    ):
        scores = view.mutation_scores(result, by)
        if not scores:
            continue
        blocks.append(Heading(3, title, f"mutation-{by}"))
        score_rows = tuple(
            (_t(key), _t(f"{k}/{n}"), _t(view.percent(k, n))) for key, (k, n) in scores.items()
        )
        blocks.append(Table((by, "killed", "score"), score_rows, css="mutants", numeric=(1, 2)))
    if generated:
        blocks += _survivors(result)
        blocks += _unscored(generated)
    return blocks


def _handwritten_badge(m: MutantResult) -> Badge:
    if m.killed:
        return Badge("killed", "ok")
    if m.outcome is MutantOutcome.UNDECIDED:
        return Badge("undecided", "warn")
    return Badge("survived", "bad")


def _codes(items: tuple[str, ...]) -> Text:
    return tuple(p for i, k in enumerate(items) for p in ((", ",) if i else ()) + (Code(k),)) or _t("—")


def _survivors(result: RunResult) -> list[Block]:
    """The auditor's map: every surviving generated mutant, and the code no property targets."""
    checked, unchecked = view.survivors(result)
    blocks: list[Block] = [Heading(3, "Survivors", "survivors")]
    blocks.append(
        Para(
            text(
                f"{len(checked) + len(unchecked)} mutants survived every proof, detector and forge test. "
                "Those in functions some property targets show what the property does not pin down; "
                "the rest are in unchecked code."
            )
        )
    )
    if checked:
        rows = tuple(
            (
                _t(Code(m.mutant_id)),
                _t(f"{m.contract}.{m.function}"),
                _t(Code(m.diff)),
                _codes(m.targeted_by),
            )
            for m in checked
        )
        blocks.append(Table(("mutant", "function", "diff", "targeted by"), rows, css="mutants"))
    blocks.append(Heading(3, "Unchecked code", "unchecked-code"))
    if not unchecked:
        blocks.append(
            Para(text("Every surviving mutant is in a function some property targets."), muted=True)
        )
        return blocks
    functions = sorted({(m.contract, m.function) for m in unchecked})
    blocks.append(
        Para(
            text(
                f"{len(unchecked)} surviving mutants in {len(functions)} functions that no property targets "
                "(neither as a declared target nor as a callee of one)."
            )
        )
    )
    unchecked_rows = tuple(
        (_t(Code(m.mutant_id)), _t(f"{m.contract}.{m.function}"), _t(Code(m.diff))) for m in unchecked
    )
    blocks.append(Table(("mutant", "function", "diff"), unchecked_rows, css="mutants"))
    return blocks


def _drawn_from(space: MutationSpace) -> str:
    """Where the generated mutants came from: the whole population per operator, and the Slither
    patches dropped as unusable (places the campaign does not mutate, said rather than hidden)."""
    per_operator = ", ".join(f"{o.operator} {o.generated}" for o in space.operators if o.generated)
    drawn = (
        f"Every one of the {space.generated} mutants generated"
        if space.sampled >= space.generated
        else f"Drawn (seed {space.seed}) from {space.generated} mutants generated"
    )
    line = f"{drawn} over the project's functions ({per_operator})."
    if space.dropped:
        dropped = ", ".join(f"{o.operator} {o.dropped}" for o in space.operators if o.dropped)
        line += (
            f" {space.dropped} Slither patches were dropped as unusable ({dropped}): their old text is not "
            "at their span, they change nothing, or a CR would comment out less than a whole statement."
        )
    return line


def _unscored(generated: list[MutantResult]) -> list[Block]:
    left_out = [m for m in generated if not m.scored]
    if not left_out:
        return []
    blocks: list[Block] = [
        Heading(3, "Not scored: equivalent, duplicate, not compiling, undecided", "mutation-unscored")
    ]
    rows = tuple(
        (
            _t(Code(m.mutant_id)),
            _t(m.outcome.value if m.outcome else ""),
            _t(f"{m.contract}.{m.function}"),
            _t(Code(m.diff)),
            _unscored_reason(m),
        )
        for m in left_out
    )
    blocks.append(
        Table(("mutant", "outcome", "function", "diff", "same as / error / not decided"), rows, css="mutants")
    )
    return blocks


def _unscored_reason(m: MutantResult) -> Text:
    if m.equivalent_to:
        return _t(Code(m.equivalent_to))
    if m.outcome is MutantOutcome.UNDECIDED:
        return _codes(m.undecided)
    return _t(m.killed_by[0] if m.killed_by else "—")


def _gate(result: RunResult) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Gate", "gate")]
    gate = result.gate
    if gate is None:
        return [*blocks, Para(text("The gate was not evaluated in this run (run with --gate)."), muted=True)]
    blocks.append(Para(text("Baseline ", Code(gate.baseline), ": ", Strong(view.gate_label(result)))))
    if gate.regressions:
        rows = tuple((_t(r.kind), _t(Code(r.key)), _t(r.message)) for r in gate.regressions)
        blocks.append(Table(("regression", "key", "what changed"), rows, css="regressions"))
    if gate.improvements:
        blocks.append(Para(text(Strong("Improvements"))))
        blocks.append(Bullets(tuple(text(i) for i in gate.improvements)))
    return blocks


def _toolchain(result: RunResult) -> list[Block]:
    tools = result.tools
    rows = (
        ("vaultproof", tools.vaultproof),
        ("solc", tools.solc),
        ("z3", tools.z3),
        ("slither-analyzer", tools.slither),
        ("crytic-compile", tools.crytic_compile),
        ("python", tools.python),
    )
    blocks: list[Block] = [
        Heading(2, "Toolchain", "toolchain"),
        Table(("tool", "version"), tuple((_t(n), _t(Code(v))) for n, v in rows), css="tools"),
    ]
    if result.notes:
        blocks.append(Heading(3, "Notes", "notes"))
        blocks.append(Bullets(tuple(text(n) for n in result.notes)))
    return blocks


def build_document(result: RunResult, fail_on: Severity) -> tuple[str, tuple[Block, ...]]:
    """The audit report for ``result`` (normalised order) as a title and a sequence of blocks."""
    result = view.normalise(result)
    title = f"vaultproof audit report — {result.project}"
    blocks: list[Block] = [
        Para(
            text(
                "Pre-audit verification of ",
                Strong(result.project),
                f" by vaultproof {result.tools.vaultproof}: compile → analyse → prove → report → gate. "
                "A property is PROVED only when the negation of its goal is unsat and its vacuity check "
                "passed, for its model and its code obligations, and every function it targets was executed "
                "on code; a proved model whose targets were not all executed is MODEL-ONLY. "
                "UNKNOWN (timeout) is never counted as proved.",
            )
        )
    ]
    blocks += _disagreements(result)
    blocks += _summary(result, fail_on)
    blocks.append(Heading(2, "Properties", "properties"))
    blocks.append(Para(text(TIMINGS_NOTE), muted=True))
    for entry in result.catalogue:
        blocks.append(_property_section(result, entry))
    blocks.append(Heading(2, "Findings against the seeds", "seed-findings"))
    if result.seed_findings:
        blocks.append(
            Para(
                text(
                    "Rules stated in the design documents that the harness shows unsound: "
                    "each is modelled as "
                    "written and must come out VIOLATED; the named property proves the shipped fix."
                )
            )
        )
        blocks += [_seed_section(result, s) for s in result.seed_findings]
    else:
        blocks.append(Para(text("No findings against the seeds were declared."), muted=True))
    blocks += _evidence_section(result)
    blocks += _metrics(result)
    blocks += _static(result)
    blocks += _sizes(result)
    blocks += _mutants(result)
    blocks += _gate(result)
    blocks += _toolchain(result)
    return title, tuple(blocks)


def contents(blocks: tuple[Block, ...]) -> Bullets:
    """A table of contents of the level-2 headings."""
    return Bullets(
        tuple(text(Link(b.text, b.anchor)) for b in blocks if isinstance(b, Heading) and b.level == 2)
    )
