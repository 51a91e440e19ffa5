// A real SNS/SQS API for the outbox tests: moto_server (installed on these machines), started on a free port, with
// an SQS queue subscribed to each topic so a test can read back exactly what ddlocal published.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { freePort } from './ports.js';

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  url: string;
  sns: SNSClient;
  sqs: SQSClient;
  /** A topic with an SQS queue subscribed to it. */
  topicWithQueue(name: string): Promise<{ topicArn: string; queueUrl: string }>;
  /** Waits until the queue holds at least `count` messages (or timeoutMs passes) and returns the SNS envelopes. */
  receive(queueUrl: string, count: number, timeoutMs?: number): Promise<SnsEnvelope[]>;
  stop(): Promise<void>;
}

/** The JSON SNS delivers to an SQS subscriber (raw message delivery off). */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

function findMotoServer(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(`${dir}/moto_server`)) return `${dir}/moto_server`;
  const versions = '/root/.pyenv/versions';
  if (existsSync(versions))
    for (const v of readdirSync(versions)) if (existsSync(`${versions}/${v}/bin/moto_server`)) return `${versions}/${v}/bin/moto_server`;
  throw new Error('moto_server is not installed: the SNS delivery tests need it (pip package moto[server])');
}

export { freePort };

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not start within 30 s: ${output()}`);
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  let output = '';
  const child = spawn(findMotoServer(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, () => output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const config = { endpoint: url, region: 'us-east-1', credentials: MOTO_CREDENTIALS };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  return {
    url,
    sns,
    sqs,
    async topicWithQueue(name) {
      const fifo = name.endsWith('.fifo');
      const { TopicArn } = await sns.send(
        new CreateTopicCommand({ Name: name, Attributes: fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : undefined }),
      );
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: `${name.replace(/\.fifo$/, '')}-queue${fifo ? '.fifo' : ''}`, Attributes: fifo ? { FifoQueue: 'true' } : undefined }),
      );
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
      return { topicArn: TopicArn!, queueUrl: QueueUrl! };
    },
    async receive(queueUrl, count, timeoutMs = 15_000) {
      const envelopes: SnsEnvelope[] = [];
      const deadline = Date.now() + timeoutMs;
      while (envelopes.length < count && Date.now() < deadline) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of Messages ?? []) {
          envelopes.push(JSON.parse(m.Body!) as SnsEnvelope);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
      return envelopes;
    },
    async stop() {
      sns.destroy();
      sqs.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
