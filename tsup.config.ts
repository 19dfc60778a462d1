import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    mock: 'src/mock/index.ts',
    redis: 'src/redis/index.ts',
    config: 'src/config/index.ts',
    otel: 'src/otel/index.ts',
    prometheus: 'src/prometheus/index.ts',
    http: 'src/http/index.ts',
    'cli/main': 'src/cli/main.ts',
    'fleet-worker': 'src/simulate/fleet-worker.ts',
  },
  format: ['esm', 'cjs'],
  // tsup sets `baseUrl` for the declaration build, which TypeScript 6 deprecates.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
