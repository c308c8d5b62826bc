# SPDX-License-Identifier: MIT
# fork_exec.sh: subshells, pipelines, command substitution, background jobs,
# exec and xargs -P, exercising fork and exec in every shape bash has.
set -u
for i in $(seq 1 200); do echo $((i * i % 1009)); done | sort -n | uniq -c | tail -n 3
x=$( (echo a; (echo b; echo c) | tr a-z A-Z) | paste -sd, ); echo "$x"
# background jobs finish in the order the scheduler lets them (10 ms apart is
# no promise on a loaded machine, with or without the shim): compared sorted
{ for j in 1 2 3 4 5 6 7 8; do ( sleep 0.0$j; echo "job $j" ) & done; wait; } | sort
seq 1 40 | xargs -P 2 -n 4 sh -c 'echo $(( $1 + $2 + $3 + $4 ))' sh | sort -n | tail -n 4
bash -c 'exec sh -c "echo exec chain; exit 5"'; echo "status $?"
count=0
while read -r line; do count=$((count + ${#line})); done < <(seq 1 5000)
echo "read $count"
f() { local n=$1; [ "$n" -le 0 ] && { echo leaf; return; }; f $((n - 1)) | (read a; echo "$n $a"); }
f 6
coproc C { tr a-z A-Z; }
echo hello >&"${C[1]}"; exec {C[1]}>&-; read -r up <&"${C[0]}"; echo "$up"; wait
exit 9
