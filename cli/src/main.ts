#!/usr/bin/env node
export {};
console.log("hi");
