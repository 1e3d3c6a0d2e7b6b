#!/usr/bin/env python3
"""Compare two token dumps ("id<TAB>t1 t2 ...", one line per record, same order).
Prints: records, lucene tokens, spire tokens, bag agreement, exact-sequence records, and the most
frequent differing terms. Bag agreement = sum over records of |bag_L & bag_S| / max(|L|, |S|)
totals, i.e. the fraction of tokens (counted with multiplicity) both sides produce."""
import collections, sys

def read(path):
    out = []
    with open(path, encoding='utf-8', errors='surrogateescape') as f:
        for line in f:
            line = line.rstrip('\n')
            rid, _, toks = line.partition('\t')
            out.append((rid, toks.split(' ') if toks else []))
    return out

def main():
    lu, sp = read(sys.argv[1]), read(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else ''
    if len(lu) != len(sp):
        print(f'record count differs: lucene {len(lu)} spire {len(sp)}', file=sys.stderr)
    nl = ns = common = exact = 0
    only_l, only_s = collections.Counter(), collections.Counter()
    for (il, tl), (is_, ts) in zip(lu, sp):
        if il != is_:
            print(f'id mismatch {il} vs {is_}', file=sys.stderr)
        cl, cs = collections.Counter(tl), collections.Counter(ts)
        nl += len(tl); ns += len(ts)
        common += sum((cl & cs).values())
        exact += tl == ts
        only_l.update(cl - cs); only_s.update(cs - cl)
    agree = common / max(nl, ns, 1)
    print(f'| {label} | {len(lu)} | {nl} | {ns} | {100*agree:.4f}% | {exact}/{len(lu)} |')
    if only_l or only_s:
        print('  lucene-only:', ' '.join(f'{t}:{n}' for t, n in only_l.most_common(12)), file=sys.stderr)
        print('  spire-only: ', ' '.join(f'{t}:{n}' for t, n in only_s.most_common(12)), file=sys.stderr)

main()
