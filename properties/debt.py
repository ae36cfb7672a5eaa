"""DEBT — the deficit waterfall and the bad-debt bound (seeds 000, 003, 004). Models: ``models.debt``."""

from __future__ import annotations

from models import debt as m
from models import debt6_code as solvency
from models import debt_code as code
from models.metrics import worst_case_goals
from properties import REGISTRY
from properties._mutants import mutant_twin
from vaultproof.spec import (
    CodeTwin,
    FunctionRef,
    MetricDecl,
    ModelChecker,
    PropertyDecl,
    SeedFindingDecl,
    Severity,
)

S000, S003, S004 = "000_aca40e8e6da97fc8.txt", "003_a4264e45de6bad94.txt", "004_3230dd0b2ff9e2de.txt"
BMV = "BalanceManagerVault"
SETTLE = FunctionRef(BMV, "_settleCrossAccountDeficit")
ABSORB = FunctionRef(BMV, "_absorbResidual")
INSURE = FunctionRef(BMV, "_coverFromInsurance")
COVER = FunctionRef(BMV, "_coverDeficitWithCollateral")
FUND = FunctionRef("InsuranceFund", "coverDeficit")
ADL = FunctionRef("AdlEngine", "socialize")


REGISTRY.register(
    PropertyDecl(
        id="DEBT-1",
        title="Conservation of the deficit waterfall",
        claim="conservation: deficit = free USDC used + Σ collateral proceeds used + insurance "
        "paid + socialized + recorded shortfall; nothing is silently dropped (the legacy vault drops it: "
        "the harness must show that counterexample on V1).",
        severity=Severity.CRITICAL,
        seed=f"{S000} §Where the deficit is covered today; §Residual → insurance → socialization",
        rationale="Each stage conserves: takeFree (deficit = used + remaining), the collateral loop by "
        "induction (remaining + taken constant), insurance decremented by what the fund PAID (the user's "
        "measured USDC delta, clamped to the ask; 0 when the isolated call reverts or the fund has no code), "
        "ADL by induction over the ranked walk (socialized + remaining constant) with the rest recorded; an "
        "absent, code-less or reverting ADL engine, or an unknown side, socializes 0 and the whole remainder "
        "is the emitted shortfall (DeficitSettled). The stage equalities compose "
        "to the sum. takeFree and payToInsurance are extracted from SlithIR and proved equal to the models.",
        assumptions=("USDC amounts < 2^128 units",),
        targets=(
            SETTLE,
            COVER,
            ABSORB,
            FunctionRef("DeficitMath", "takeFree"),
            FunctionRef("DeficitMath", "payToInsurance"),
            FUND,
            INSURE,
            ADL,
        ),
        checker=ModelChecker.with_defect(
            m.debt1,
            m.REQUESTED_NOT_PAID,
            "the vault decrements the deficit by min(remaining, fund balance) instead of the amount the "
            "fund paid (block cap ignored)",
        ).with_code(
            code.debt1_code,
            mutant_twin(
                "M-DEBT-residual-dropped",
                "_settleCrossAccountDeficit hands 0 instead of `remaining` to _absorbResidual "
                "(the V1 "
                "silent drop)",
            ),
        ),
    )
)

REGISTRY.register(
    SeedFindingDecl(
        id="DEBT-1.v1-silent-drop",
        fixed_by="DEBT-1",
        title="V1 silently drops the deficit above the user's free USDC",
        seed=f"{S000} §Where the deficit is covered today",
        statement="BalanceManagerVault._settleCrossAccountDeficit (V1) debits ONLY the user's FREE USDC and "
        "silently drops any residual above it.",
        rationale="Modelled as written (used = min(deficit, free); no collateral, insurance, socialization "
        "or recorded shortfall), conservation fails: deficit 300 USDC with 250 USDC free leaves 50 USDC "
        "that no ledger records. The shipped vault routes the residual through collateral, insurance, ADL "
        "and an explicit shortfall (DEBT-1).",
        severity=Severity.CRITICAL,
        targets=(FunctionRef("BalanceManagerVaultV1", "_settleCrossAccountDeficit"),),
        check=m.v1_silent_drop,
    )
)

REGISTRY.register(
    PropertyDecl(
        id="DEBT-2",
        title="Order of the waterfall",
        claim="order: insurance pays only after the user's free USDC and floor-clearing "
        "collateral are used; socialization only after insurance is exhausted or capped.",
        severity=Severity.HIGH,
        seed=f"{S000} §Core and §Hard cases (residual → insurance → ADL)",
        rationale="Collateral induction with invariant remaining > 0 ⇒ no floor-clearing capacity left "
        "unsold (the vault sells min(free base, need at the floor) of each collateral). Then insurance pays "
        "a positive amount only if remaining > 0 after free USDC (⇒ free USDC fully used) and after "
        "collateral (⇒ capacity exhausted); ADL socializes only if the fund paid less than asked, i.e. "
        "exactly its balance or its remaining block cap.",
        assumptions=(
            "a skipped collateral (stale, no pool, failed sale) counts as having no floor-clearing capacity",
            "insurance 'exhausted' = it paid all it can pay now: min(balance, block cap left), or nothing "
            "when its isolated coverDeficit call fails (reverts / no code)",
        ),
        targets=(SETTLE, COVER, ABSORB, FUND),
        checker=ModelChecker.with_defect(
            m.debt2, m.INSURANCE_FIRST, "the insurance fund is asked before the user's free USDC is debited"
        )
        .with_code(
            code.debt2_code,
            mutant_twin(
                "M-DEBT-free-usdc-half-taken",
                "_settleCrossAccountDeficit takes only half of the user's free USDC before the "
                "later stages: insurance pays while the user still has free USDC",
            ),
        )
        .pending(
            "on code, free USDC is taken first and ADL socializes only after insurance paid all it can "
            "(proved); the collateral stage's 'no floor-clearing capacity left unsold' is false on the "
            "shipped contracts: each collateral is sold in one walk of the book bounded by "
            "MAX_LEVELS_PER_ORDER (16) levels and MAX_ORDER_VISITS (64) queue entries, cancelled ones "
            "included, so bids posted above the real liquidity spend the bounds. With 16 one-sat bids at "
            "85,000–85,015 USDC/WBTC above a bid of 84,000 for all of the user's 0.01 WBTC (floor 80,750), a "
            "500 USDC deficit sells 16 sats for 0.0136 USDC and the insurance fund pays 499.9864 USDC while "
            "the user keeps 0.00999984 WBTC; 63 cancelled bids (refunded) ahead of one live one-sat bid do "
            "the same for 0.00085 USDC (tests/forge/Debt2BookBoundFinding.t.sol, on the bytecode). Against "
            "an unknown book, sellCollateralGuarded also accepts a fill below the book's own quote"
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="DEBT-3",
        title="Insurance pays ≤ its balance and ≤ MaxQuantumsInsuranceLost per block",
        claim="insurance pays at most its balance and at most MaxQuantumsInsuranceLost per block.",
        severity=Severity.HIGH,
        seed=f"{S004} §Subaccount Block Limits (MaxQuantumsInsuranceLost)",
        rationale="Induction over the coverDeficit calls of one block: invariant paidInBlock ≤ cap. Each "
        "call pays min(amount, balance, cap − paidInBlock); the first payout of a new block resets the "
        "counter. Hence Σ paid in a block ≤ MaxQuantumsInsuranceLost and each payout ≤ the balance.",
        assumptions=(
            "MaxQuantumsInsuranceLost is not lowered within a block (a lower cap only makes room 0)",
            "block.number never decreases, so lastPayoutBlock ≤ block.number",
            "USDC amounts, balances and the fund's counters < 2^128 units",
        ),
        targets=(FUND, FunctionRef("InsuranceFund", "remainingBlockCapacity")),
        checker=ModelChecker.with_defect(
            m.debt3, m.NO_BLOCK_CAP, "coverDeficit ignores the per-block cap (pays min(amount, balance))"
        ).with_code(
            code.debt3_code,
            mutant_twin(
                "M-DEBT-insurance-cap-dropped",
                "InsuranceFund.coverDeficit without `if (paid > room) paid = room;` (no block cap)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="DEBT-4",
        title="The bad-debt bound",
        claim="the bound: bad debt (loss not covered by the user's own assets) ≤ insurance "
        "available + ADL capacity; whenever that holds with room, the recorded shortfall is zero.",
        severity=Severity.CRITICAL,
        seed=f"{S003} §2 ADL; {S000} §Residual",
        rationale="ADL walk induction: socialized_k = min(S₀, Σ capacity of the first k ranked positions). "
        "With insurance available = min(balance, block cap left) the recorded shortfall is exactly max(0, "
        "bad debt − insurance available − ADL capacity), so it is zero whenever the bound holds. Quantified "
        "in metric DEBT-4.worst-case. On code: _absorbResidual (the fund and custodian inlined) with "
        "socialize as its contract proved on its code (charges min(S, Σ capacity of its candidates)), and "
        "AdlEngine.capacity proved to return that Σ of the same _candidates scan (ghost sums in the loop "
        "invariants).",
        assumptions=(
            "ADL capacity = Σ (unrealized profit − pending haircut) of opposite-side positions with a fresh "
            "mark",
            "the vault reaches the ADL engine (engine set with code, position side known, socialize does not "
            "revert); otherwise capacity is 0",
            "insurance available = what coverDeficit can pay now: min(balance, block cap left), 0 when its "
            "isolated call fails (reverts / no code)",
            "the insurance fund is deployed with the vault's USDC and is not itself the account in deficit",
        ),
        targets=(SETTLE, ABSORB, FUND, INSURE, ADL, FunctionRef("AdlEngine", "capacity")),
        checker=ModelChecker.with_defect(
            m.debt4,
            m.ADL_ONLY_WHEN_EMPTY,
            "ADL is consulted only when the fund's balance is exhausted, not when its block cap binds",
        ).with_code(
            code.debt4_code,
            mutant_twin("M-DEBT-adl-only-when-fund-paid-nothing"),
        ),
    )
)

REGISTRY.register(
    MetricDecl(
        id="DEBT-4.worst-case",
        title="Worst-case bad debt under an oracle shock, and the insurance that keeps the shortfall at zero",
        seed=f"{S000} §Hard cases; {S003} §2; 002 (convert-at-worst-time risk)",
        rationale="z3.Optimize over the split of an account's margin between USDC and non-USDC collateral, "
        "starting at the maintenance threshold, for oracle shocks of 10/20/30/50% (perp and collateral move "
        "together), collateral sold at the effective floor (BalanceManagerVault._effectiveLiqFactor). Per "
        "1,000,000 USDC of notional; with no ADL capacity guaranteed, the insurance needed equals the bad "
        "debt. Contract-stated numbers come from the extracted constants; per-asset weights, liqFactor and "
        "leverage are governance-set (no contract default), so the reference profile used is named in every "
        "value.",
        compute=worst_case_goals,
    )
)

REGISTRY.register(
    PropertyDecl(
        id="DEBT-5",
        title="ADL by ROE, each by at most its profit",
        claim="ADL reduces only opposite-side profitable positions, in ROE order, each by at "
        "most its unrealized profit, and in total exactly the shortfall (or all capacity, recording the "
        "rest).",
        severity=Severity.HIGH,
        seed=f"{S003} §2 ADL Ranking (CONFIRMED: highest ROE on the opposing side first)",
        rationale="Induction over the rounds of AdlEngine.socialize (each picks the remaining candidate of "
        "highest ROE). Prefix invariant: socialized + remaining = S₀, socialized + untaken = capacity so "
        "far, and remaining > 0 ⇒ untaken = 0, i.e. a position is charged only when every higher-ROE "
        "candidate has been charged its whole capacity (profit − pending haircut). Exit: socialized = "
        "min(S₀, capacity), the rest recorded. On code, the walk's invariant carries two ghost sums over "
        "the candidates' capacities (Σ capacity left, # candidates left, their lemmas proved by induction): "
        "charged = Σcap₀ − Σcap while shortfall remains, and # left + rounds = n — so the round-limit exit "
        "(round = n) has charged every candidate.",
        assumptions=(
            "candidates are the opposite side's registered positions with profit > pending haircut "
            "(AdlEngine._candidates)",
            "ROE ties break by position key (deterministic); the order within a tie does not affect the "
            "totals",
        ),
        targets=(ADL, FunctionRef("AdlEngine", "_candidates")),
        checker=ModelChecker.with_defect(
            m.debt5,
            m.OVER_REDUCE,
            "ADL charges a position up to its notional instead of its unrealized profit",
        ).with_code(
            code.debt5_code,
            mutant_twin(
                "M-DEBT-adl-recorded-dropped",
                "AdlEngine.socialize records nothing when capacity runs out (socialized + "
                "recorded < shortfall: the rest silently dropped)",
            ),
        ),
    )
)

REGISTRY.register(
    PropertyDecl(
        id="DEBT-6",
        title="Custodian solvency",
        claim="solvency, as an inductive invariant over deposit, withdraw, allocate, release, "
        "liquidate: Σ claims on the custodian (free + locked balances + insurance) ≤ tokens it holds.",
        severity=Severity.CRITICAL,
        seed=f"{S000} §Core; 001 (Stage 7 usdcLocked)",
        rationale="Base: an empty custodian. One obligation per operation (invariant ∧ op ⇒ invariant'): "
        "deposit credits what arrived, withdraw debits free and holdings alike, allocate moves free → "
        "locked, release unlocks only the effective locked USDC and moves PnL between the user and the "
        "insurance fund (profit paid ≤ the fund's balance), liquidate moves free USDC / proceeds to the "
        "fund (its insurance leg is a double entry). Every debit is guarded by the debited balance. On "
        "code, per token t, for every external entry point of BalanceManager (read from its ABI): "
        "ΔΣfree[t] + ΔΣlocked[t] = ΔtotalClaims[t] (the sums are ghosts kept by hooks at every write of "
        "_free / _locked) and ΔtotalClaims[t] ≤ Δholdings[t] — for any caller and any arguments. The "
        "vault's operations reach the custodian's storage only through those entry points (no other "
        "contract writes it), so allocate, release, liquidate and settle preserve it too.",
        assumptions=(
            "the token credits exactly the transferred amount (no fee-on-transfer; the custodian measures "
            "deltas)",
            "aggregated per token: Σfree, Σlocked, insurance balance, custodian holdings",
            "on code: a token's transfer out of the custodian debits it exactly the amount, its balanceOf "
            "tells the custodian's holdings, and only the custodian's own calls lower them (a deposit may be "
            "credited any amount: the custodian measures it); token calls do not re-enter the custodian",
        ),
        targets=(
            FunctionRef("BalanceManager", "deposit"),
            FunctionRef("BalanceManager", "depositFor"),
            FunctionRef("BalanceManager", "withdraw"),
            FunctionRef("BalanceManager", "lock"),
            FunctionRef("BalanceManager", "unlock"),
            FunctionRef("BalanceManager", "transferFrom"),
            FunctionRef("BalanceManager", "transferLockedFrom"),
            FunctionRef("BalanceManager", "transferOut"),
        ),
        checker=ModelChecker.with_defect(
            m.debt6,
            m.RELEASE_CLAIMED,
            "release credits the allocation's claimed amount instead of its effective locked USDC",
        ).with_code(
            solvency.debt6_code,
            CodeTwin(
                file="contracts/BalanceManager.sol",
                find="        _free[user][token] += received;\n        _totalClaims[token] += received;",
                replace="        _free[user][token] += amount;\n        _totalClaims[token] += amount;",
                description="BalanceManager._deposit credits the amount asked, not the balance delta it "
                "measured (a fee-on-transfer token's deposit creates claims its holdings do not back)",
            ),
        ),
    )
)
