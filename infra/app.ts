// The CDK app: one stack with everything Broadsheet needs, checked by cdk-nag's AwsSolutions rules.
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BroadsheetError } from '../src/core/errors.js';
import { loadDeployConfig } from './config.js';
import { acknowledgeFindings } from './nag.js';
import { BroadsheetStack } from './stack.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export function buildApp(app = new App()): { app: App; stack: BroadsheetStack } {
  const { config, site } = loadDeployConfig(app.node.tryGetContext('broadsheet'), root);
  const stack = new BroadsheetStack(app, 'Broadsheet', {
    config,
    site,
    root,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
    description: 'Broadsheet: Markdown to feeds, an archive and a digest email',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  acknowledgeFindings(stack, {
    customCertificate: config.certificateArn !== undefined,
    alarmEmail: config.alarmEmail !== undefined,
  });
  return { app, stack };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    buildApp().app.synth();
  } catch (error) {
    if (!(error instanceof BroadsheetError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
