import { dashboardUid, outputStem } from './names';

describe('dashboard uids are stable, valid and distinct', () => {
  it.each([
    ['day', 'day-api-availability', 'slo-day-day-api-availability'],
    ['shop', 'Checkout.Latency', 'slo-shop-Checkout-Latency'],
    ['a', 'b', 'slo-a-b'],
  ])('%s / %s → %s', (service, slo, uid) => expect(dashboardUid(service, slo)).toBe(uid));

  it('long names keep a readable prefix and a hash, within 40 characters', () => {
    const a = dashboardUid('payments-platform', 'card-authorisation-latency-p99-eu-west');
    const b = dashboardUid('payments-platform', 'card-authorisation-latency-p99-eu-east');
    expect(a).toHaveLength(40);
    expect(a).toMatch(/^slo-payments-platform-card-auth-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(dashboardUid('payments-platform', 'card-authorisation-latency-p99-eu-west')).toBe(a);
  });

  it('the service/slo split cannot be shifted to collide', () => {
    expect(dashboardUid('x'.repeat(30), 'y'.repeat(20))).not.toBe(dashboardUid('x'.repeat(31), 'y'.repeat(19)));
  });

  it('output paths keep one folder per service and only safe characters', () => {
    expect(outputStem('day', 'day-api')).toBe('day/day-api');
    expect(outputStem('a/b', 'c d')).toBe('a-b/c-d');
  });
});
