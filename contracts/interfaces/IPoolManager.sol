// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Creates one OrderBook per (base, USDC) pool and authorizes routers on it. Routers are never
/// de-authorized (Security Rule 7): there is deliberately no function that revokes one.
interface IPoolManager {
    function createPool(address base, address quote) external returns (address orderBook);
    function getPool(address base, address quote) external view returns (address orderBook);
    function setAuthorizedRouter(address router) external;
    function isAuthorizedRouter(address router) external view returns (bool);
}
