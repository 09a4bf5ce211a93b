// What every stack and construct test synthesises with.
import { readFileSync } from 'node:fs';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

// Same feature flags as `cdk synth`, so the template under test is the one that deploys.
const cdkJson: unknown = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
const cdkContext: Record<string, unknown> =
  typeof cdkJson === 'object' &&
  cdkJson !== null &&
  'context' in cdkJson &&
  typeof cdkJson.context === 'object' &&
  cdkJson.context !== null
    ? { ...cdkJson.context }
    : {};

/** An app with cdk.json's context; bundling is skipped (aws:cdk:bundling-stacks = []). */
export function newApp(): App {
  return new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
}

/** An app with cdk.json's context that bundles for real into `outdir` (slow: keep it to one function). */
export function bundlingApp(outdir: string): App {
  return new App({ outdir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': ['**'] } });
}

export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).getLogicalId(element);
}

/** cdk-nag AWS Solutions errors and warnings on the stack (run the checks as an aspect first). */
export function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-.*');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data)}`,
  );
}
