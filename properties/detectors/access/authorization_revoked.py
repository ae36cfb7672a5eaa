"""ST-5: A function can set an authorization mapping entry to false or delete it."""

from __future__ import annotations

from typing import Any, ClassVar

from slither.core.cfg.node import Node
from slither.detectors.abstract_detector import DETECTOR_INFO, DetectorClassification
from slither.slithir.operations import Delete, Index, Member, OperationWithLValue
from slither.slithir.variables import Constant, ReferenceVariable
from slither.utils.output import Output

from properties.detectors import _ir
from properties.detectors._base import (
    VaultproofDetector,
    by_canonical_name,
    pattern_match,
)


class AuthorizationRevoked(VaultproofDetector):
    PROPERTY = "ST-5"
    ARGUMENT = "vp-authorization-revoked"
    HELP = "A function can set an authorization mapping entry to false or delete it"
    IMPACT = DetectorClassification.MEDIUM
    CONFIDENCE = DetectorClassification.HIGH
    WIKI_TITLE = "Authorization can be revoked"
    WIKI_DESCRIPTION = (
        "A boolean authorization mapping (configured names, default: names containing `authorized`/`router`) "
        "is written with something other than the constant `true`, or deleted. Where the protocol relies on "
        "authorizations being permanent (a router that must always be able to settle), revocation bricks it."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "`setAuthorizedRouter(vault, false)` removes the vault from an order book; every later liquidation "
        "that sells collateral on that book reverts."
    )
    WIKI_RECOMMENDATION = "Only ever write `true`; retire a router by a separate, explicit mechanism."
    DEFAULTS: ClassVar[dict[str, Any]] = {"mappings": [], "pattern": r"(?i)(authori[sz]|router)"}

    def _is_auth_mapping(self, name: str) -> bool:
        names: list[str] = self.settings["mappings"]
        return name in names if names else pattern_match(self.settings["pattern"], name)

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.all_project_contracts():
            for function in sorted(contract.functions_and_modifiers_declared, key=by_canonical_name):
                if not function.is_implemented:
                    continue
                defs = _ir.Defs(function)
                for node in _ir.ordered_nodes(function):
                    revoked = self._revocation(node, defs)
                    if revoked is None:
                        continue
                    info: DETECTOR_INFO = [function, f" can revoke authorization {revoked} in ", node, "\n"]
                    results.append(self.generate_result(info))
        return results

    def _revocation(self, node: Node, defs: _ir.Defs) -> str | None:
        for ir in node.irs:
            target = ir.variable if isinstance(ir, Delete) else getattr(ir, "lvalue", None)
            if isinstance(ir, Member | Index) or target is None:
                continue
            if not isinstance(ir, Delete | OperationWithLValue):
                continue
            if not isinstance(target, ReferenceVariable) or str(target.type) != "bool":
                continue
            definition = defs.definition(target)
            if not isinstance(definition, Index) or _ir.storage_root(target, node.function) is None:
                continue
            mapping = defs.last_name(target)
            if not self._is_auth_mapping(mapping):
                continue
            if isinstance(ir, Delete):
                return f"{defs.chain(target)} (delete)"
            value = ir.read[-1] if ir.read else None
            if isinstance(value, Constant) and value.value is True:
                continue
            return f"{defs.chain(target)} (written {getattr(value, 'name', value)})"
        return None
