/**
 * CDK app entry (`npx cdk synth`, `npx cdk deploy <stack>`). Settings come from context; see
 * docs/deployment.md. Every stack is checked with cdk-nag's AwsSolutions pack during synthesis.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app';

const app = new App();
buildApp(app);
app.synth();
