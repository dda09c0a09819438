import { cloneState } from './clone-state';

describe('cloneState', () => {
  it('copies every level, so changing the copy leaves the original as it was', () => {
    const original = { a: 1, b: 'x', c: null, d: [1, { e: [2, 3] }], f: { g: { h: true } }, u: undefined };
    const copy = cloneState(original);
    expect(copy).toStrictEqual(original);
    (copy.d[1] as { e: number[] }).e.push(4);
    copy.f.g.h = false;
    expect(original).toStrictEqual({
      a: 1,
      b: 'x',
      c: null,
      d: [1, { e: [2, 3] }],
      f: { g: { h: true } },
      u: undefined,
    });
    expect(copy.d).not.toBe(original.d);
  });
});
