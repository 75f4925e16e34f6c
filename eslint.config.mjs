import js from '@eslint/js';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', 'test/output/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      // Imports point only down: engine < runtime < aws < templates | suppress | settings < rule | remediation | hook | cli < infra (eslint/layers.mjs).
      'layers/only-down': 'error',
    },
  },
  {
    // The engine is pure: no I/O, no AWS SDK, no Lambda types, no package of any kind. It decides; callers fetch.
    files: ['engine/**/*.{ts,mts,cts,tsx}'],
    rules: {
      // Belt and braces with layers/only-down, which refuses any import in engine/ that is not one of its files.
      'no-restricted-globals': [
        'error',
        ...['process', 'fetch', 'require', 'Buffer', 'setTimeout', 'setInterval', 'XMLHttpRequest', 'WebSocket'].map((name) => ({
          name,
          message: 'engine/ is pure: no environment, network, timers or module loading. Pass what it needs in its options.',
        })),
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'aws-lambda', 'aws-cdk-lib', 'aws-cdk-lib/*', ...builtinModules],
              message: 'engine/ is pure: it takes a policy and options and returns findings. Do the I/O in the caller (cli/, rule/, remediation/).',
            },
          ],
        },
      ],
    },
  },
);
