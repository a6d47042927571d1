import t from 'tap';
import { webhookUrlProblem } from '../../src/common/webhook-url.js';

t.test('https anywhere, plain http only to loopback', async (t) => {
  for (const url of ['https://hooks.example/drift', 'https://10.0.0.1/x', 'http://127.0.0.1:9/hook', 'http://127.1.2.3/hook', 'http://localhost:8080/', 'http://[::1]:9/hook']) {
    t.equal(webhookUrlProblem(url), undefined, url);
  }
  for (const url of ['http://hooks.example/drift', 'http://10.0.0.1/x', 'http://127.example.com/hook', 'http://localhost.example/', 'http://[::2]/', 'ftp://127.0.0.1/x']) {
    t.equal(webhookUrlProblem(url), `${url}: webhooks must use https (plain http only to loopback)`, url);
  }
  t.equal(webhookUrlProblem('not a url'), 'not a url: not a URL');
});
