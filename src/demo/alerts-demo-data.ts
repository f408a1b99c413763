import { listSubscriptions } from '../partner-center/orders.ts';
import {
  changeFraudEventStatus,
  type NewFraudEvent,
  raiseFraudEvent,
} from '../security-alerts/fraud-events.ts';
import type { Db } from '../storage/database.ts';

const HOUR = 3_600_000;

export interface AlertsDemoInput {
  partnerTenantId: string;
  /** The partner's Admin agent who works the alerts (their UPN). */
  agent: string;
  baseUrl: string;
  /** Customers by Partner Center customer id and tenant id: an active alert, one investigated, one resolved. */
  active: { customerId: string; tenantId: string };
  investigating: { customerId: string; tenantId: string };
  resolved: { customerId: string; tenantId: string };
}

/**
 * Security alerts in the demo (SPEC §13, reference §5): Contoso has a crypto-mining alert still
 * active on one customer's subscription, an anomalous deployment it is investigating on another,
 * and a usage anomaly it resolved (ignored) within a few hours on a third, so the alerts page, the
 * REST calls and `warden alerts list` show every status.
 */
export async function seedAlertsDemo(db: Db, input: AlertsDemoInput, now: number): Promise<void> {
  const first = async (customerId: string) =>
    (await listSubscriptions(db, input.partnerTenantId, customerId))[0]!;
  const base = (customer: { customerId: string; tenantId: string }, subscriptionId: string) => ({
    partnerTenantId: input.partnerTenantId,
    customerTenantId: customer.tenantId,
    subscriptionId,
    source: 'operator' as const,
    raisedBy: 'Warden Operator',
  });
  const mining = await first(input.active.customerId);
  const deployment = await first(input.investigating.customerId);
  const usage = await first(input.resolved.customerId);
  const raise = (event: NewFraudEvent, detectedAt: number) =>
    raiseFraudEvent(db, input.baseUrl, event, detectedAt).then((r) => r.event);

  await raise(
    {
      ...base(input.active, mining.id),
      eventType: 'NetworkConnectionsToCryptoMiningPools',
      severity: 'High',
      confidenceLevel: 'High',
      displayName: 'Network connections to crypto mining pools',
      description: 'A virtual machine opened repeated connections to a known cryptocurrency mining pool.',
      entityName: 'vm-build-03',
      serviceName: 'Compute',
      resourceGroupName: 'rg-build',
      country: 'US',
      hitCount: 42,
      firstObservedAt: now - 5 * HOUR,
      lastObservedAt: now - HOUR,
      additionalDetails: {
        vM_IP: '10.20.0.4',
        miningPool_IP: '198.51.100.23',
        connectionCount: '42',
        cryptoCurrencyMiningPoolDomainName: 'pool.mining.example',
      },
      affectedResources: [
        {
          azureResourceId: '/resourceGroups/rg-build/vm-build-03',
          type: 'Microsoft.Compute/virtualMachines',
        },
      ],
    },
    now - HOUR,
  );
  const investigated = await raise(
    {
      ...base(input.investigating, deployment.id),
      eventType: 'VirtualMachineDeploymentAnomaly',
      severity: 'Medium',
      confidenceLevel: 'Medium',
      displayName: 'Anomalous virtual machine deployment',
      description: 'Sixty virtual machines of a GPU size were deployed in a region the customer never used.',
      entityName: 'rg-gpu-burst',
      serviceName: 'Compute',
      resourceGroupName: 'rg-gpu-burst',
      country: 'US',
      hitCount: 60,
      firstObservedAt: now - 30 * HOUR,
      lastObservedAt: now - 26 * HOUR,
    },
    now - 26 * HOUR,
  );
  await changeFraudEventStatus(
    db,
    input.partnerTenantId,
    deployment.id,
    [investigated.id],
    { status: 'Investigating' },
    input.agent,
    now - 25 * HOUR,
  );
  const ignored = await raise(
    {
      ...base(input.resolved, usage.id),
      eventType: 'UsageAnomalyDetection',
      severity: 'Low',
      confidenceLevel: 'Low',
      displayName: 'Usage anomaly',
      description: 'Compute usage rose well above the subscription’s usual level for a day.',
      entityName: usage.friendlyName,
      serviceName: 'Compute',
      country: 'US',
      firstObservedAt: now - 80 * HOUR,
      lastObservedAt: now - 74 * HOUR,
    },
    now - 74 * HOUR,
  );
  await changeFraudEventStatus(
    db,
    input.partnerTenantId,
    usage.id,
    [ignored.id],
    { status: 'Resolved', reason: 'Ignore' },
    input.agent,
    now - 71 * HOUR,
  );
}
