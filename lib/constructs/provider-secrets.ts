// One Secrets Manager secret per enabled provider, never a value in the template, and the
// provider part of the gateway configuration that points at them.
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import * as z from 'zod';
import { gatewayConfigSchema, providerConfigSchema, type GatewayConfigInput } from '../../src/core/config';
import type { GatewayFunction } from '../gateway-function';
import { isKnownProvider, KNOWN_PROVIDER_IDS, secretExampleOf, type ProviderId } from '../provider-catalogue';
import { assertNoProblems } from './props-check';

/**
 * One enabled provider as the stack and the CDK context take it: the runtime provider settings
 * (timeouts, attempts, budget, limits, review band, adapter settings: see `providerConfigSchema`)
 * with the secret named instead of given.
 */
export const providerPropsSchema = providerConfigSchema.omit({ secretId: true }).extend({
  id: gatewayConfigSchema.shape.defaultProvider,
  /**
   * Name of an existing Secrets Manager secret holding this provider's credentials JSON.
   * When absent, a new, empty secret is made; the operator puts the value after the first deploy.
   */
  secretName: z.string().min(1).optional(),
});
export type ProviderProps = z.input<typeof providerPropsSchema>;

export interface ProviderSecretsOptions {
  /** The enabled providers; only these get a secret and only their secrets are readable. */
  readonly providers: readonly ProviderProps[];
  /** The provider a check uses when the request names none; must be enabled. */
  readonly defaultProvider: ProviderId;
}

/** One enabled provider's secret and how the runtime and the operator find it. */
export interface ProviderSecret {
  readonly id: ProviderId;
  readonly secret: secretsmanager.ISecret;
  /** What the runtime passes to Secrets Manager: the given name, or the new secret's ARN. */
  readonly secretId: string;
  /** Whether the secret was made empty by this stack (the operator must fill it). */
  readonly createdEmpty: boolean;
}

type ProvidersConfig = Pick<GatewayConfigInput, 'defaultProvider' | 'providers'>;

export class ProviderSecrets extends Construct {
  readonly providers: readonly ProviderSecret[];
  /** The `defaultProvider` and `providers` part of the gateway configuration. */
  readonly config: ProvidersConfig;

  constructor(scope: Construct, id: string, props: ProviderSecretsOptions) {
    super(scope, id);
    const ids = props.providers.map((provider) => provider.id);
    const problems: string[] = [];
    if (ids.length === 0) problems.push('providers: enable at least one provider');
    for (const providerId of ids) {
      if (!isKnownProvider(providerId))
        problems.push(`providers: unknown provider "${providerId}" (known: ${KNOWN_PROVIDER_IDS.join(', ')})`);
    }
    if (new Set(ids).size !== ids.length) problems.push('providers: each provider may appear once');
    if (!ids.includes(props.defaultProvider))
      problems.push(`defaultProvider: "${props.defaultProvider}" is not among the enabled providers`);
    assertNoProblems('ProviderSecrets', problems);

    const enabled = props.providers.map(({ id: providerId, secretName, ...runtimeSettings }) => {
      const secret = secretName
        ? secretsmanager.Secret.fromSecretNameV2(this, `${pascal(providerId)}ProviderSecret`, secretName)
        : this.emptyProviderSecret(providerId);
      const secretId = secretName ?? secret.secretArn;
      const provider: ProviderSecret = { id: providerId, secret, secretId, createdEmpty: secretName === undefined };
      return { provider, config: { secretId, ...runtimeSettings } };
    });
    this.providers = enabled.map(({ provider }) => provider);
    this.config = {
      defaultProvider: props.defaultProvider,
      providers: Object.fromEntries(enabled.map(({ provider, config }) => [provider.id, config])),
    };
  }

  /** The secret of one enabled provider. */
  secretOf(providerId: ProviderId): secretsmanager.ISecret | undefined {
    return this.providers.find((provider) => provider.id === providerId)?.secret;
  }

  /** Lets a function read the values of exactly the enabled providers' secrets. */
  grantRead(fn: GatewayFunction): void {
    fn.bindProviderSecrets(this.providers.map(({ secret }) => secret));
  }

  /** What the operator must do with a provider's secret, for the stack's outputs. */
  operatorNote({ id: providerId, createdEmpty }: ProviderSecret): string {
    const shape = secretExampleOf(providerId);
    return createdEmpty
      ? `EMPTY secret for ${providerId}: put ${shape} with aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string file://${providerId}.json`
      : `Existing secret used for ${providerId} credentials: ${shape}`;
  }

  /**
   * The L2 Secret always asks CloudFormation to generate a random value; the credentials are
   * a vendor-issued JSON document, so the secret is created empty and filled by the operator.
   */
  private emptyProviderSecret(providerId: ProviderId): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `${pascal(providerId)}ProviderSecret`, {
      description: `Liveness Gateway ${providerId} credentials as JSON: ${secretExampleOf(providerId)}`,
    });
    const cfnSecret = secret.node.defaultChild;
    if (!(cfnSecret instanceof secretsmanager.CfnSecret)) throw new Error('Secret has no CfnSecret');
    cfnSecret.addPropertyDeletionOverride('GenerateSecretString');
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds vendor-issued API credentials that can only be rotated at the vendor; the operator puts the new value and functions re-read it after secretCacheSeconds, with no redeploy.',
      },
    ]);
    return secret;
  }
}

export function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}
