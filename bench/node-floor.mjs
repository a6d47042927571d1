// RSS of a bare node process, and with one idle worker (capped young generation): node bench/node-floor.mjs [w]
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
const show = (l) => { const s = readFileSync('/proc/self/status','utf8'); const k=(x)=>(Number(new RegExp(x+':\\s+(\\d+)').exec(s)[1])/1024).toFixed(1); console.log(l, 'rss', k('VmRSS'), 'anon', k('RssAnon'), 'file', k('RssFile')); };
show('bare');
if (process.argv[2]) { new Worker('setTimeout(()=>{},1e5)', { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4 } }); setTimeout(() => { show('+worker'); process.exit(0); }, 1500); }
else setTimeout(() => { show('bare later'); process.exit(0); }, 1500);
