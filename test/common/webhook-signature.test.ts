import t from 'tap';
import { createHmac } from 'node:crypto';
import { signatureHeaders, webhookSignature } from '../../src/common/webhook-signature.js';

t.test('the signature is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">, the timestamp in unix seconds', async (t) => {
  const body = '{"events":[]}';
  const headers = signatureHeaders('s3cret', body, 1_700_000_000_999);
  t.same(headers, {
    'x-envoy-drift-timestamp': '1700000000',
    'x-envoy-drift-signature': `sha256=${createHmac('sha256', 's3cret').update(`1700000000.${body}`).digest('hex')}`,
  });
  t.equal(webhookSignature('s3cret', '1700000000', body), headers['x-envoy-drift-signature']);
});

t.test('another secret, another time or another body gives another signature', async (t) => {
  const base = webhookSignature('s3cret', '1700000000', 'body');
  t.not(webhookSignature('other', '1700000000', 'body'), base);
  t.not(webhookSignature('s3cret', '1700000001', 'body'), base, 'a replay with a fresh timestamp does not verify');
  t.not(webhookSignature('s3cret', '1700000000', 'body '), base);
});
