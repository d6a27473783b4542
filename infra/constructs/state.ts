import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface StateProps {
  /** Customer-managed key that encrypts the table. */
  readonly key: kms.IKey;
  /** What happens to the table on `cdk destroy`. Default DESTROY: it only holds delivery records that expire in days. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * rekwatch's state store: one DynamoDB table keyed by `pk`, used for idempotent delivery (and, later,
 * mutes and dedupe windows). Expiry is checked on read and write; `expiresAt` TTL only cleans up.
 */
export class State extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** Item-level read/write on this table only (no index or table-management actions). */
  grantItemAccess(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    this.table.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
  }

  /** BatchGetItem on this table: reading live mutes reads their audit records in one request (mute-store.ts). */
  grantBatchRead(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:BatchGetItem');
  }
}
