// The benchmark workloads of the interpreter issue, each with the output it
// must give (a wrong answer fails the run instead of printing a fast time).
const words = Array.from({ length: 10000 }, (_, i) => (i % 3 ? 'w' + i : 'word' + (i % 97)));
const text10k = Array.from({ length: 1000 }, (_, i) => 'x' + String(i).padStart(8, '0')).join('').slice(0, 10240);

export const SETUP = [
  // the seed's recursive fac, and the fib
  '[macro fac $n][* $n [[if [<= $n 1] ignore fac] [- $n 1]]][/macro]',
  '[macro fib $n][[if [< $n 2] identity fib2] $n][/macro]',
  '[macro fib2 $n][+ [fib [- $n 1]] [fib [- $n 2]]][/macro]',
];

export const WORKLOADS = [
  { name: 'recursive `[fac 20]`', line: '[fac 20]', expect: '2432902008176640000' },
  { name: 'recursive `[fib 22]`', line: '[fib 22]', expect: '17711' },
  { name: '`[+ [iota 1 1000000]]`', line: '[+ [iota 1 1000000]]', expect: '500000500000' },
  {
    name: 'strings: split, filter, map over 10,000 words',
    line: `[length [map upper [filter number [split-do length , ${words.join(',')}]]]]`,
    expect: '10000',
  },
  { name: 'encrypt + decrypt 10 KB', line: `[decrypt/Bench [encrypt/Bench ${text10k}]]`, expect: text10k },
];

/** Median of a list of numbers. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
