// One seeded generator for benchmarks and tests alike.
export { mulberry32 as rng } from '../../bench/lib/measure';
