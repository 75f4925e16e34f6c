/**
 * Every function the app deploys runs one of the package's prebuilt handler bundles: each bundle is built from
 * a handler source that exists and exports `handler`, and the function's Lambda handler (`index.handler`)
 * names a function the bundle really exports. Without this a moved or renamed handler would only show up
 * when Lambda first invoked it.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { GuardFunction } from '../../infra/constructs/guard-function';
import { LAMBDA_HANDLERS, lambdaBundleDir, requireLambdaBundle, type LambdaHandlerName } from '../../infra/constructs/lambda-bundle';
import { PACKAGE_ROOT } from '../../runtime/package-root';
import { KmsPolicyGuardHookStack } from '../../infra/stacks/hook-stack';
import { synthesize } from './app-fixture';

const guardFunctions = (app: App): GuardFunction[] => app.node.findAll().filter((c): c is GuardFunction => c instanceof GuardFunction);
const hookApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
new KmsPolicyGuardHookStack(hookApp, 'KmsPolicyGuardHook');
const functions = [...guardFunctions(synthesize().app), ...guardFunctions(hookApp)];
const names = Object.keys(LAMBDA_HANDLERS) as LambdaHandlerName[];

describe('Lambda handler bundles', () => {
  it('the app deploys the rule and the remediation bundles, the hook stack the hook bundle, and no other is built', () => {
    expect([...new Set(functions.map((f) => f.handler))].sort()).toEqual(['hook', 'remediation', 'rule']);
    expect(names.sort()).toEqual(['hook', 'remediation', 'rule']);
  });

  it.each(names)('%s: the handler source exists and exports handler', (name) => {
    const file = join(PACKAGE_ROOT, LAMBDA_HANDLERS[name]);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^export (const|async function|function) handler\b/m);
  });

  it.each(names)('%s: the bundle the function deploys exports the handler Lambda calls (index.handler)', async (name) => {
    // The bundle inlines the AWS SDK: loaded from a folder with no node_modules above it, it needs nothing else.
    const alone = mkdtempSync(join(tmpdir(), `kpg-${name}-bundle-`));
    copyFileSync(join(requireLambdaBundle(name), 'index.js'), join(alone, 'index.js'));
    const bundle = (await import(join(alone, 'index.js'))) as Record<string, unknown>;
    expect(typeof bundle.handler).toBe('function');
    for (const f of functions.filter((g) => g.handler === name)) {
      const resource = f.function.node.defaultChild as { handler?: string };
      expect(resource.handler).toBe('index.handler');
    }
  });

  it('a missing bundle is an error that says how to build it, never a function without code', () => {
    const name = 'rule';
    expect(lambdaBundleDir(name)).toBe(join(PACKAGE_ROOT, 'dist', 'lambda', 'rule'));
    const missing = join(PACKAGE_ROOT, 'dist', 'lambda', 'no-such-handler');
    expect(() => requireLambdaBundle('no-such-handler' as LambdaHandlerName)).toThrow(`${join(missing, 'index.js')} is missing`);
    expect(() => requireLambdaBundle('no-such-handler' as LambdaHandlerName)).toThrow('npm run build');
  });
});
