// The floor of a check, as a whole process: fetch /config_dump and JSON.parse
// it, nothing imported. Prints the number of configs (so the parse is used).
//   node bench/floor.mjs <admin origin>
const text = await (await fetch(`${process.argv[2]}/config_dump`)).text();
console.log(JSON.parse(text).configs.length);
