#!/usr/bin/env bash
# Formatting as .swift-format says (swift-format ships with the Swift toolchain), and no line of
# Swift over 120 columns (string literals included, which the formatter cannot break).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive Sources Tests Package.swift
long=$(git ls-files '*.swift' | xargs awk 'length > 120 { print FILENAME ":" FNR ": " length " columns" }')
if [ -n "$long" ]; then
    echo "lines over 120 columns:" >&2
    echo "$long" >&2
    exit 1
fi
echo "format: clean"
