#!/usr/bin/env python3
"""An independent implementation of Rampart's bucketing (GrowthBook hash version 2), in plain Python.

It prints the worked examples used in docs/bucketing.md and Tests/RampartCoreTests/ReferenceAssignmentTests.swift,
so any backend can check its own port against the same numbers:

    python3 scripts/bucketing_reference.py
"""


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    data = text.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def bucket(seed: str, unit: str) -> float:
    inner = fnv1a32(seed + unit)
    return (fnv1a32(str(inner)) % 10000) / 10000


def ranges(weights, coverage):
    coverage = min(max(coverage, 0.0), 1.0)
    out, cumulative = [], 0.0
    for w in weights:
        out.append((cumulative, cumulative + coverage * w))
        cumulative += w
    return out


def choose(n, rngs):
    for i, (start, end) in enumerate(rngs):
        if start <= n < end:
            return i
    return -1


if __name__ == "__main__":
    seed = "support-answer-prompt"
    variants = ["control", "treatment"]
    print("seed", seed)
    for unit in ["user-1", "user-2", "user-3", "user-42", "user-1001"]:
        inner = fnv1a32(seed + unit)
        n = bucket(seed, unit)
        row = [f"{unit}: fnv1a32(seed+unit)={inner} fnv1a32('{inner}')={fnv1a32(str(inner))} n={n}"]
        for coverage in [0.01, 0.05, 0.25, 0.5, 1.0]:
            i = choose(n, ranges([0.5, 0.5], coverage))
            row.append(f"{coverage}:{variants[i] if i >= 0 else '-'}")
        print("  ".join(row))
    print("phase 2 seed", seed + ":2", "user-42 ->", bucket(seed + ":2", "user-42"))
