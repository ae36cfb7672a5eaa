// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Perp margin accounting over the BalanceManager. Both settlement arches (PerpEngine and
/// CLOBPerpetualRouter) call these same callbacks.
interface IBalanceManagerVault {
    enum MarginMode {
        CROSS,
        ISOLATED
    }

    struct PositionAllocation {
        uint128 amount; // position's claimed initial margin (USDC units)
        uint8 mode;
        bool exists;
        address market;
        uint128 usdcLocked; // Stage 7: USDC actually locked (≤ amount); appended field
        uint8 lockVersion; // 0 = written before the Stage 7 upgrade (legacy), 1 = after; appended field
    }

    error InsufficientBalance(uint256 required, uint256 available);
    error InsufficientEquity(uint256 required18, int256 equity18);
    error UnknownPosition(bytes32 posKey);
    error NotSettlementRouter(address caller);
    error AmountTooLarge(uint256 amount);

    event CollateralAllocated(address indexed user, bytes32 indexed posKey, address market, uint256 amount, MarginMode mode);
    event CollateralReleased(address indexed user, bytes32 indexed posKey, int256 pnl, uint256 unlocked);
    event DeficitSettled(address indexed user, uint256 deficit, uint256 fromFreeUsdc, uint256 fromCollateral, uint256 fromInsurance, uint256 socialized, uint256 shortfall);
    event CollateralSold(address indexed user, address indexed token, uint256 qtySold, uint256 usdcReceived, uint256 toInsurance);
    event CollateralSaleFailed(address indexed user, address indexed token, bytes reason);
    /// @dev A profit the insurance fund did not pay on close: recorded as the user's claim (`owed` in total).
    event ProfitUnpaid(address indexed user, bytes32 indexed posKey, uint256 unpaid, uint256 owed);
    event UnpaidProfitClaimed(address indexed user, uint256 paid, uint256 stillOwed);
    /// @dev An isolated insurance-fund or ADL-engine call failed (reverted, or no code): it counted as paying 0.
    event ExternalCallFailed(address indexed callee, bytes reason);

    function allocateForPosition(address user, bytes32 posKey, address market, uint256 amount, MarginMode mode) external;
    /// @dev Closes the whole allocation and settles `pnl` (USDC units, signed).
    function releaseFromPosition(address user, bytes32 posKey, int256 pnl) external;
    /// @dev Closes `fractionPpm` / 1e6 of the allocation and settles `pnl` for that part.
    function partialReleaseFromPosition(address user, bytes32 posKey, uint256 fractionPpm, int256 pnl) external;
    /// @dev Cancel path: returns the allocation's effective locked USDC without PnL.
    function deallocateFromPosition(address user, bytes32 posKey) external;
    /// @dev Pays the caller's recorded unpaid profit as far as the insurance fund can now; the rest stays owed.
    function claimUnpaidProfit() external returns (uint256 paid);

    function getPositionAllocation(bytes32 posKey) external view returns (PositionAllocation memory);
    function effectiveLocked(bytes32 posKey) external view returns (uint256);
    function canLiquidateCrossMargin(address user) external view returns (bool);
}
