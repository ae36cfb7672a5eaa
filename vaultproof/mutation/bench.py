"""Mutation-campaign benchmark (``make bench`` → ``python -m vaultproof.mutation.bench``).

Runs a deterministic sample of generated mutants of a project through the whole attribution (every
stage of ``[mutate] stages``) on the configured executor and prints: mutants, wall time, the split
between planning (reference compile, reference proofs, generation, forge build) and the mutants
themselves, the mean wall seconds per mutant of each stage (compile, analyse, prove, detect, forge: the
sum over the mutants divided by their number, so with N workers the mutants' wall time is about N
times less) and the same split in CPU seconds (the worker, its solc-js server and forge: what a quiet
machine would take per mutant and worker), how many properties were proved again per mutant (the
others kept the reference verdict, their dependence set not containing what the mutant changed), the
outcome counts, the machine's load
average (the 2-core CI machine is shared: a loaded machine stretches every number), and peak memory
(the parent, and the largest child: a worker, solc-js or forge).
The goal it measures (issue 13): >= 200 mutants in <= 5 minutes on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from vaultproof import config as config_module
from vaultproof.console import Console
from vaultproof.executor import executor_for
from vaultproof.mutation.campaign import CampaignOptions, run_campaign


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaultproof.mutation.bench", description=__doc__)
    parser.add_argument("path", nargs="?", default=".", help="project root (default: .)")
    parser.add_argument("--mutants", type=int, default=200, help="sample size (default 200)")
    parser.add_argument("--seed", type=int, default=None, help="sample seed (default: [mutate] seed)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--executor", default=None, help="local, serial, ray or ray://HOST:PORT")
    parser.add_argument("--stages", default=None, help="comma-separated subset of proof,detector,forge")
    args = parser.parse_args(list(argv) if argv is not None else None)

    config = config_module.load(Path(args.path))
    stages = tuple(args.stages.split(",")) if args.stages else config.mutate_stages
    options = CampaignOptions(
        sample=args.mutants,
        seed=config.mutate_seed if args.seed is None else args.seed,
        operators=config.mutate_operators or None,
        exclude=config.mutate_exclude,
        stages=stages,
    )
    executor = executor_for(args.executor or config.executor, args.jobs)
    started = time.perf_counter()
    campaign = run_campaign(config, Console(quiet=True), options, executor)
    wall = time.perf_counter() - started
    counts = Counter(r.outcome.value for r in campaign.results if r.outcome is not None)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    outcomes = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    ran = max(1, len(campaign.results))
    split = " ".join(
        f"{name.removeprefix('stage:')} {value / ran:.2f}s"
        for name, value in sorted(campaign.seconds.items())
        if name.startswith("stage:")
    )
    cpu = " ".join(
        f"{name.removeprefix('cpu:')} {value / ran:.2f}s"
        for name, value in sorted(campaign.seconds.items())
        if name.startswith("cpu:")
    )
    attributed = [r for r in campaign.results if r.outcome is not None and r.outcome.scored]
    reproved = sum(len(r.reproved) for r in attributed) / max(1, len(attributed))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"mutation campaign: {len(campaign.results)} mutants (of {campaign.generated} generated) "
        f"in {wall:.1f}s on {executor.name} x{args.jobs} [{','.join(stages)}]; "
        f"plan {campaign.seconds.get('plan', 0):.1f}s, mutants {campaign.seconds.get('mutants', 0):.1f}s "
        f"({campaign.seconds.get('mutants', 0) / max(1, len(campaign.results)):.2f}s each); "
        f"peak RSS {parent:.0f} MB parent, {child:.0f} MB largest child; {outcomes}"
    )
    print(
        f"  per mutant (mean over all {len(campaign.results)}): wall {split}; CPU {cpu}; "
        f"{reproved:.1f} properties re-proved per attributed mutant; load average {load}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
