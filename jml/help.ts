// The builtins' names by group, as `[help]` lists them. Their examples are
// ./examples.ts, outside the core; a test checks that both name the same
// builtins in the same groups.
const GROUPS = `math: + * - / % inc dec > < >= <= = != iota fac
logic: and or xor not if
tests: empty has is number alpha equal cmp
text: lower upper length bytes
lists: ignore identity map filter filter-do nth first second third rest reduce min max gt lt gte lte big small biggest smallest
strings: after before prefix split split-do substr concat join match match-do subst-do xml decode
data and reflection: data datas message funcs fargs fbody ftime FAIL help
security and the world: eval/F1/F2 encrypt decrypt encrypt-eval decrypt-eval content-hash uuid time wget`;

/** Each group's name and its builtins' names, for `[help]`. */
export const groups = (): [group: string, names: string][] => GROUPS.split('\n').map((l) => l.split(': ') as [string, string]);
