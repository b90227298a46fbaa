/** A seeded random source (mulberry32) and the samplers the model uses: deterministic for a seed. */
import type { Dist } from "./types.ts";

/** z of the 95th percentile of the standard normal. */
const Z95 = 1.6448536269514722;

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A lognormal sample through the distribution's p50 and p95; a constant when p95 <= p50, 0 when p50 is 0. */
  sample(d: Dist): number {
    if (d.p50 <= 0) return 0;
    if (d.p95 <= d.p50) return d.p50;
    const sigma = Math.log(d.p95 / d.p50) / Z95;
    return d.p50 * Math.exp(sigma * this.normal());
  }

  /** Exponential inter-arrival with rate λ (per second). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** A child generator, so one stream's draws do not shift another's. */
  fork(salt: number): Rng {
    return new Rng(Math.floor(this.next() * 4294967296) ^ salt);
  }
}

/** A string's 32-bit FNV-1a hash, to salt forks by name. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Binary min-heap of events ordered by (time, insertion order): ties run in the order they were scheduled. */
export class EventQueue<T> {
  private heap: { t: number; seq: number; item: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(t: number, item: T): void {
    const h = this.heap;
    h.push({ t, seq: this.seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  peekTime(): number | undefined {
    return this.heap[0]?.t;
  }

  pop(): { t: number; item: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return { t: top.t, item: top.item };
  }

  private less(a: { t: number; seq: number }, b: { t: number; seq: number }): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }
}
