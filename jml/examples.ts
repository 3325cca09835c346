// The builtins by group, each with one example and its result. The web's
// /help page and the README show these, and a test evaluates every example,
// so the documentation cannot drift from the language. They are not in the
// core (dist/core.js): a device rarely shows them, and `[help]` needs only
// the names (./help.ts; a test checks that both list the same builtins).
//
// One string, taken apart when asked for: as arrays of strings the examples
// were some 300 atoms and 100 objects on a device's QuickJS heap. A group is
// its name on a line, then its rows: name, input and result, separated by
// tabs. A result's final space is written \x20, so that no editor trims it;
// a result that starts with `~` is a regular expression.
const TEXT = `
math
+\t[+ 1 2 3 4]\t10
*\t[* 1 2 3 4]\t24
-\t[- 10 3]\t7
/\t[/ -7 2]\t-3
%\t[% -7 2]\t-1
inc\t[inc 41]\t42
dec\t[dec 43]\t42
>\t[> 10 3]\t1
<\t[< 10 3]\t0
>=\t[>= 3 3]\t1
<=\t[<= 4 3]\t0
=\t[= 3 03]\t1
!=\t[!= 3 4]\t1
iota\t[iota 1 3] [iota 3] [iota 5 1 -2]\t1 2 3  0 1 2  5 3 1\x20
fac\t[fac 20]\t2432902008176640000

logic
and\t[and 1 1 0]\t0
or\t[or 0 0 5]\t1
xor\t[xor 0 1]\t1
not\t[not 7]\t0
if\t[if [< 3 4] smaller bigger]\tsmaller

tests
empty\t[empty]\t1
has\t[has a]\t1
is\t[is 0]\t0
number\t[number 123]\t1
alpha\t[alpha abc1]\t3
equal\t[equal a a]\t1
cmp\t[cmp A B]\t1

text
lower\t[lower MiXeD]\tmixed
upper\t[upper åbc]\tÅBC
length\t[length 11 22 33]\t3
bytes\t[bytes åb]\t3

lists
ignore\t[ignore X]\t
identity\t[identity X Y]\tX Y
map\t[map inc 1 2 3]\t2 3 4\x20
filter\t[filter number 1 a 2]\t1  2\x20
filter-do\t[filter-do number inc 1 a 2]\t2  3\x20
nth\t[nth 2 11 22 33]\t22
first\t[first A B]\tA
second\t[second A B C]\tB
third\t[third A B C D]\tC
rest\t[rest A B C D]\tB C D
reduce\t[reduce + 1 2 3 4]\t10
min\t[min 5 3 9]\t3
max\t[max 5 3 9]\t9
gt\t[gt b a]\t1
lt\t[lt a b]\t1
gte\t[gte a a]\t1
lte\t[lte b a]\t0
big\t[big a b]\tb
small\t[small a b]\ta
biggest\t[biggest a c b]\tc
smallest\t[smallest b a c]\ta

strings
after\t[after X abcXzy]\tzy
before\t[before X abcXzy]\tabc
prefix\t[prefix abcdef abc abcd ab]\tab
split\t[split a aAaBBaAa]\tA BB A\x20
split-do\t[split-do inc , 1,22,3]\t2 23 4\x20
substr\t[substr 3 2 abcXzy] [substr -2 -2 abcXzy]\tXz zy
concat\t[concat A\\ B C D]\tA BCD
join\t[join , a b c]\ta,b,c
match\t[match a(b*)(cd*)e(.*)f abbbcexxxxxfff]\t bbb c xxxxx
match-do\t[match-do upper <(a*)> x<a>y<aa>]\t A AA
subst-do\t[subst-do upper <(a*)> x<a>y<aa>]\txAyAA
xml\t[xml name x <name c=1>FISH</name> y]\tFISH
decode\t[decode foo+bar%2b%25]\tfoo bar+%

data and reflection
data\t[data k v] [data-k]\tv v
datas\t[data pi 3.14][datas pi]\t3.14pi\x20
message\t[message dest id1 hi] [message-id1]\thi hi
funcs\t[macro sq $x][* $x $x][/macro][funcs sq]\tsq\x20
fargs\t[macro sq $x][* $x $x][/macro][fargs sq]\t$x
fbody\t[macro sq $x][* $x $x][/macro][fbody sq]\t{* $x $x}
ftime\t[macro sq $x][* $x $x][/macro][ftime sq]\t~^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$
FAIL\t[xyz 1 2]\t%(FAIL:xyz 1 2)
help\t[help]\t~^math:\x20

security and the world
eval/F1/F2\t[eval/+/inc {+ 1 {inc 2}}]\t4
encrypt\t[encrypt FOOBAR]\t{39CE0CD92EEBACC8}
decrypt\t[decrypt {39CE0CD92EEBACC8}]\tFOOBAR
encrypt-eval\t[encrypt-eval/KEY {+ 3 4}]\t~^\\{[0-9A-F]{16}\\}$
decrypt-eval\t[decrypt-eval [encrypt-eval {+ 3 4}]]\t7
content-hash\t[content-hash star]\t015BA7A2250FA4D1
uuid\t[uuid]\t~^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$
time\t[time]\t~^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$
wget\t[wget http://localhost:1111/id]\t~
`;

export type ExampleGroup = [group: string, rows: [name: string, input: string, result: string][]];

/** The examples by group, parsed from the text on each call (nothing stays on the heap). */
export function examples(): ExampleGroup[] {
  const groups: ExampleGroup[] = [];
  for (const line of TEXT.split('\n')) {
    const row = line.split('\t');
    if (row.length === 3) groups[groups.length - 1][1].push(row as [string, string, string]);
    else if (line) groups.push([line, []]);
  }
  return groups;
}
