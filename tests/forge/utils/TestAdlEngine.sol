// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAdlEngine} from "../../../contracts/interfaces/IAdlEngine.sol";

/// @notice Test double for the ADL engine: a settable socialization capacity, and a record of every call, so
/// the vault suites can assert exactly what reached ADL (the real AdlEngine has its own suite).
contract TestAdlEngine is IAdlEngine {
    uint256 public capacity;
    uint256 public totalRecordedShortfall;
    uint256 public calls;
    address public lastMarket;
    bool public lastIsLong;
    uint256 public lastShortfall;

    function setCapacity(uint256 capacity_) external {
        capacity = capacity_;
    }

    function socialize(address market, bool liquidatedIsLong, uint256 shortfall)
        external
        returns (uint256 socialized, uint256 recordedShortfall)
    {
        calls += 1;
        (lastMarket, lastIsLong, lastShortfall) = (market, liquidatedIsLong, shortfall);
        socialized = shortfall < capacity ? shortfall : capacity;
        capacity -= socialized;
        recordedShortfall = shortfall - socialized;
        totalRecordedShortfall += recordedShortfall;
        if (recordedShortfall > 0) emit ShortfallRecorded(recordedShortfall);
    }
}
