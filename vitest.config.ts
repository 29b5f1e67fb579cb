import { defineConfig } from 'vitest/config';

// Three projects, from fastest to slowest:
// - unit: pure code (planner, queue, parsers), no sockets.
// - contract: the Vobiz client against the Vobiz simulator over real HTTP on loopback.
// - integration: the operator against a real kube-apiserver and etcd (started once by the
//   global setup) and the simulator. Files run one at a time because the machine's cores
//   are shared with the API server.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
