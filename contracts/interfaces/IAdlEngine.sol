// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Socializes a shortfall over opposite-side profitable positions ranked by ROE (highest first),
/// each reduced by at most its unrealized profit. Never silently drops: what capacity cannot absorb is
/// recorded as an explicit shortfall.
interface IAdlEngine {
    event Deleveraged(bytes32 indexed positionKey, uint256 amount);
    event ShortfallRecorded(uint256 amount);

    /// @return socialized amount absorbed by counter-parties; recordedShortfall what was left
    function socialize(address market, bool liquidatedIsLong, uint256 shortfall)
        external
        returns (uint256 socialized, uint256 recordedShortfall);
    function totalRecordedShortfall() external view returns (uint256);
}
