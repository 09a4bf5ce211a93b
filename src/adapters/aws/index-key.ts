// The deployment's index key: the gateway's lookup indexes in the checks table (replayed media,
// applicant attempt counters) are keyed by an HMAC-SHA256 under this secret, never by the value
// itself. A stored digest cannot be matched against known media, and an applicant's reference
// (often a customer number, i.e. personal data) never sits in the table in the clear, also after
// that applicant's checks are erased.
import { createHmac } from 'node:crypto';
import type { GatewayConfig } from '../../core/config';
import { ConfigurationError } from '../../core/errors';
import type { SecretSource } from '../../core/ports';

export class IndexKey {
  private key: Promise<string> | undefined;

  constructor(
    private readonly secrets: SecretSource,
    /** The secret holding `{"key": "<at least 32 characters>"}`. */
    private readonly secretId: string,
  ) {}

  /** HMAC-SHA256 of `value` under the key, hex. Different `purpose`s never share a digest. */
  async digest(purpose: string, value: string): Promise<string> {
    const key = await this.read();
    return createHmac('sha256', key).update(`${purpose}\0${value}`).digest('hex');
  }

  /**
   * The key is read once per process, whatever the secret cache setting: it never rotates (a new
   * key would leave every stored entry unmatchable), and reading it per check would put a Secrets
   * Manager round trip on the path of every check. A failed read is not kept.
   */
  private read(): Promise<string> {
    this.key ??= this.fetch().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async fetch(): Promise<string> {
    const value = await this.secrets.getJson(this.secretId);
    const secret = typeof value === 'object' && value !== null ? (value as { key?: unknown }).key : undefined;
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new ConfigurationError('The index key secret must be JSON {"key": "<at least 32 characters>"}');
    }
    return secret;
  }
}

/** The key the configuration names, or undefined when no index needs one (both features off). */
export function indexKeyOf(
  config: Pick<GatewayConfig, 'duplicateMediaCheck' | 'maxAttemptsPerApplicant' | 'indexKeySecretId'>,
  secrets: SecretSource,
): IndexKey | undefined {
  const needed = config.duplicateMediaCheck || config.maxAttemptsPerApplicant > 0;
  if (!needed) return undefined;
  if (!config.indexKeySecretId) {
    throw new ConfigurationError(
      'indexKeySecretId is not set, but the replayed-media check or the attempt cap is on (both key their indexes with it)',
    );
  }
  return new IndexKey(secrets, config.indexKeySecretId);
}
