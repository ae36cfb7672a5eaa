"""The property index: PROPERTIES.md is generated from the declarations and must be fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaultproof import config
from vaultproof.cli import _main
from vaultproof.index import index_rows, mentioning_tests, project_index, relative, render_markdown
from vaultproof.prover.registry import Registry
from vaultproof.prover.runner import declared_registry

REPO = Path(__file__).resolve().parents[2]


def _registry() -> tuple[config.Config, Registry]:
    cfg = config.load(REPO)
    return cfg, declared_registry(cfg)


def test_properties_md_is_fresh() -> None:
    cfg, registry = _registry()
    committed = (REPO / "PROPERTIES.md").read_text(encoding="utf-8")
    assert project_index(cfg, registry) == committed, (
        "PROPERTIES.md is stale: regenerate with `.venv/bin/vaultproof list . --markdown > PROPERTIES.md`"
    )


def test_rows_point_at_declaration_model_and_tests() -> None:
    cfg, registry = _registry()
    from vaultproof.index import detector_classes

    rows = {r.id: r for r in index_rows(registry, cfg.root, detector_classes(cfg))}
    conv1 = rows["CONV-1"]
    assert conv1.declaration is not None and conv1.declaration.file == "properties/conv.py"
    declared = (REPO / conv1.declaration.file).read_text(encoding="utf-8").splitlines()
    assert "REGISTRY.register(" in declared[conv1.declaration.start_line - 1]
    assert conv1.model is not None and conv1.model.file == "models/conv.py"
    modelled = (REPO / conv1.model.file).read_text(encoding="utf-8").splitlines()
    assert modelled[conv1.model.start_line - 1].startswith("def conv1(")
    st2 = rows["ST-2"]
    assert st2.model is not None and st2.model.file == "properties/detectors/loops/unbounded_loop.py"
    assert "tests/analysis/test_detectors.py" in st2.tests  # names the detector argument
    assert "BalanceManagerVault._coverDeficitWithCollateral" in conv1.targets


def test_mentions_do_not_confuse_neighbouring_ids(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text('IDS = ["CONV-10", "CONV-1.seed-rule"]\n')
    (tmp_path / "tests" / "test_b.py").write_text('assert run("CONV-1")\n')
    _, registry = _registry()
    decl = registry.properties["CONV-1"]
    assert mentioning_tests([decl], tmp_path) == {"CONV-1": ("tests/test_b.py",)}


def test_markdown_escapes_cells_and_paths_are_relative(tmp_path: Path) -> None:
    assert relative(tmp_path / "a" / "b.py", tmp_path) == "a/b.py"
    package = tmp_path / "elsewhere" / "pkg" / "sub"
    package.mkdir(parents=True)
    for folder in (package, package.parent):
        (folder / "__init__.py").write_text("")
    assert relative(package / "m.py", tmp_path / "project") == "pkg/sub/m.py"
    text = render_markdown([], "p")
    assert text.splitlines()[4] == "| id | statement | declaration | model function | code targets | tests |"


def test_list_markdown_prints_the_index(capsys: pytest.CaptureFixture[str]) -> None:
    assert int(_main(["list", str(REPO), "--markdown"]).exit_code) == 0
    assert capsys.readouterr().out == (REPO / "PROPERTIES.md").read_text(encoding="utf-8")
