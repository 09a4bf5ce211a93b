// Lambda entry for the scheduled sweep: expires abandoned checks, re-drives dead processing
// attempts through the processor's queue, deletes media that is due.
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../../src/core/errors';
import { SqsResumeQueue } from '../../src/adapters/aws/sqs-resume-queue';
import { wireFromEnv } from '../common/wiring';
import { makeSweepHandler } from './handler';

const deps = wireFromEnv();
const queueUrl = deps.config.resumeQueueUrl;
if (!queueUrl) throw new ConfigurationError('resumeQueueUrl is required in GATEWAY_CONFIG for the sweep');

export const handler = makeSweepHandler(deps, new SqsResumeQueue(new SQSClient({}), queueUrl));
