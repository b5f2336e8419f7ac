// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ForceSender
/// @notice Attack mock: pushes ether into a contract that has no receive(), the only way there is:
/// selfdestruct in the constructor (still sends under EIP-6780).
contract ForceSender {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}
