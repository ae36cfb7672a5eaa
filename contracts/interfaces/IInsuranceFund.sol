// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Holds USDC (as a BalanceManager balance of its own address) to absorb residual deficits,
/// with a per-block loss cap (MaxQuantumsInsuranceLost).
interface IInsuranceFund {
    event FundingDeposited(address indexed from, uint256 amount);
    event DeficitCovered(address indexed beneficiary, uint256 requested, uint256 paid);

    /// @dev Records `amount` already credited to this fund in the BalanceManager (caller is an operator).
    function depositFunding(uint256 amount) external;
    /// @dev Pays min(amount, balance, remaining per-block cap) to `beneficiary`'s free balance; returns it.
    function coverDeficit(address beneficiary, uint256 amount) external returns (uint256 paid);
    function balance() external view returns (uint256);
    function remainingBlockCapacity() external view returns (uint256);
}
