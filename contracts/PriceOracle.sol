// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPriceOracle} from "./interfaces/IPriceOracle.sol";

/// @title PriceOracle — pushed prices by symbol with a staleness bound.
/// @notice The owner or an authorised updater pushes prices. Consumers on the liquidation path use
/// `tryGetFreshPrice`, which never reverts, so a stale or missing feed skips an asset instead of bricking.
contract PriceOracle is IPriceOracle, Ownable {
    /// @dev Bounds `10**decimals` in CollateralMath far below overflow.
    uint8 public constant MAX_PRICE_DECIMALS = 18;

    error NotUpdater(address caller);
    error InvalidPrice(uint256 price, uint8 decimals);

    event PriceUpdated(bytes32 indexed symbol, uint256 price, uint8 decimals, uint256 updatedAt);
    event UpdaterSet(address indexed updater, bool allowed);
    event MaxStalenessSet(uint256 maxStaleness);

    struct PriceData {
        uint256 price;
        uint8 decimals;
        uint64 updatedAt;
    }

    mapping(bytes32 symbol => PriceData) private _prices;
    mapping(address updater => bool) public isUpdater;
    uint256 public maxStaleness;

    constructor(address owner_, uint256 maxStaleness_) Ownable(owner_) {
        maxStaleness = maxStaleness_;
        emit MaxStalenessSet(maxStaleness_);
    }

    function setUpdater(address updater, bool allowed) external onlyOwner {
        isUpdater[updater] = allowed;
        emit UpdaterSet(updater, allowed);
    }

    function setMaxStaleness(uint256 maxStaleness_) external onlyOwner {
        maxStaleness = maxStaleness_;
        emit MaxStalenessSet(maxStaleness_);
    }

    function setPrice(bytes32 symbol, uint256 price, uint8 decimals) external {
        if (msg.sender != owner() && !isUpdater[msg.sender]) revert NotUpdater(msg.sender);
        if (price == 0 || decimals > MAX_PRICE_DECIMALS) revert InvalidPrice(price, decimals);
        _prices[symbol] = PriceData(price, decimals, uint64(block.timestamp));
        emit PriceUpdated(symbol, price, decimals, block.timestamp);
    }

    function getPrice(bytes32 symbol) external view returns (uint256 price, uint8 decimals, uint256 updatedAt) {
        PriceData memory p = _prices[symbol];
        if (p.price == 0) revert UnknownSymbol(symbol);
        return (p.price, p.decimals, p.updatedAt);
    }

    /// @notice Reverting variant for callers that must not act on a stale price.
    function getFreshPrice(bytes32 symbol) external view returns (uint256 price, uint8 decimals) {
        PriceData memory p = _prices[symbol];
        if (p.price == 0) revert UnknownSymbol(symbol);
        if (!_isFresh(p.updatedAt)) revert StalePrice(symbol, p.updatedAt);
        return (p.price, p.decimals);
    }

    function tryGetFreshPrice(bytes32 symbol) external view returns (bool fresh, uint256 price, uint8 decimals) {
        PriceData memory p = _prices[symbol];
        if (p.price == 0 || !_isFresh(p.updatedAt)) return (false, 0, 0);
        return (true, p.price, p.decimals);
    }

    function _isFresh(uint256 updatedAt) private view returns (bool) {
        // A timestamp in the future (only possible if a test rewinds time) counts as age 0.
        return updatedAt >= block.timestamp || block.timestamp - updatedAt <= maxStaleness;
    }
}
