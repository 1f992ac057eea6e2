#!/usr/bin/env bash
# One exam's whole paperwork on the running system, by curl (issue 8): run
# `POLICY_FILE=policies/drill.policy.json npm run dev`, then `bash scripts/demo-paperwork.sh`.
# Question list (GP 3), tickets for two sittings (§5.1–§5.3, Form 1), admission (§5.1), the seeded
# assignment and its verification (§5.3, §5.5), anonymised grading (§5.6, §5.17, rows 6–8), the
# grade sheet's reconciliation and the registrar's export (§5.19, rows 9–10), one appeal that
# changes a grade (row 12). About 4 minutes on the drill policy; prints a transcript and leaves
# Form 1 and the reconciliation statements in $OUT (default /tmp/emtihan-paperwork).
set -euo pipefail
API=${API:-localhost:3000}
OUT=${OUT:-${TMPDIR:-/tmp}/emtihan-paperwork}
mkdir -p "$OUT"
j() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const r=(function(){return $1})();console.log(typeof r==='string'?r:JSON.stringify(r))})" ; }
say() { echo; echo "### $*"; }
key() { echo "demo-$RANDOM$RANDOM"; }
post() { # token path body
  curl -s -X POST "$API$2" -H "authorization: Bearer $1" -H 'content-type: application/json' -H "Idempotency-Key: $(key)" -d "$3"; }
upload() { # token path file type
  curl -s -X POST "$API$2" -H "authorization: Bearer $1" -H "Idempotency-Key: $(key)" -F "file=@$3;type=$4"; }
get() { curl -s "$API$2" -H "authorization: Bearer $1"; }

ADMIN=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d '{"email":"admin@emtihan.local","password":"emtihan-dev-admin"}' | j 'v.accessToken')
say "directory: a school, a department and the people of one exam"
curl -s -X PUT $API/directory/units -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"units":[
 {"id":"general-medicine","kind":"school","parentId":"institution","name":{"kk":"Жалпы медицина мектебі","ru":"Школа общей медицины","en":"School of General Medicine"}},
 {"id":"anatomy","kind":"department","parentId":"general-medicine","name":{"kk":"Қалыпты анатомия кафедрасы","ru":"Кафедра нормальной анатомии","en":"Department of Normal Anatomy"}}]}' | j 'Array.isArray(v) ? v.length + " units" : v'
cat > "$OUT/people.csv" <<CSV
email,full_name,language,role,scope
head@example.edu.kz,Әлия Сәрсенбаева,kk,department_head,anatomy
resp@example.edu.kz,Responsible Person,en,department_responsible,anatomy
examiner@example.edu.kz,Examiner One,en,examiner,anatomy
committee@example.edu.kz,Committee Chair,en,programme_committee,anatomy
centre@example.edu.kz,Testing Centre,en,testing_centre,institution
registrar@example.edu.kz,Registrar Office,en,registrar,institution
appeals@example.edu.kz,Appeal Commission,en,appeal_commission,institution
appeals2@example.edu.kz,Гүлнар Омарова,ru,appeal_commission,institution
appeals3@example.edu.kz,Марат Жұмабаев,kk,appeal_commission,institution
s1@example.edu.kz,Айдана Серікқызы,kk,student,anatomy
s2@example.edu.kz,Нұрлан Әбілов,kk,student,anatomy
s3@example.edu.kz,Ольга Ким,ru,student,anatomy
s4@example.edu.kz,Timur Akhmetov,en,student,anatomy
CSV
curl -s -X POST $API/directory/people/import -H "authorization: Bearer $ADMIN" -F file=@"$OUT/people.csv" | j 'v'
PEOPLE=$(get $ADMIN "/directory/people?limit=500")
declare -A T ID
for who in head resp examiner committee centre registrar appeals appeals2 appeals3 s1 s2 s3 s4; do
  ID[$who]=$(echo "$PEOPLE" | j "v.items.find(p => p.email === '$who@example.edu.kz').id")
  curl -s -o /dev/null -X POST $API/directory/people/${ID[$who]}/password -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"password":"a long initial passphrase"}'
  T[$who]=$(curl -s -X POST $API/auth/login -H 'content-type: application/json' -d "{\"email\":\"$who@example.edu.kz\",\"password\":\"a long initial passphrase\"}" | j 'v.accessToken')
done
echo "13 people, each signed in"

TODAY=$(TZ=Asia/Almaty date +%F)
S1=$(TZ=Asia/Almaty date -d '+100 sec' +%FT%T%:z)
S2=$(TZ=Asia/Almaty date -d '+130 sec' +%FT%T%:z)
END=$(TZ=Asia/Almaty date -d '+150 sec' +%FT%T%:z)
EID=paperwork-$(date +%s)
say "the head registers exam $EID: two sittings, $S1 and $S2 (each an exam day with its own tickets)"
post ${T[head]} /exams "{\"id\":\"$EID\",\"discipline\":\"Адам анатомиясы ($EID)\",\"department\":\"anatomy\",\"examDate\":\"$TODAY\",
  \"sittings\":[\"$S1\",\"$S2\"],\"endsAt\":\"$END\",\"credits\":1,\"expectedWorks\":4}" \
  | j '({workflowId: v.workflowId, steps: v.steps.filter(s => /^(department|programme|moodle|ticket|admission)/.test(s.stepId)).map(s => s.stepId + " due " + s.dueAt)})'

wait_step() { # exam step
  for _ in $(seq 1 120); do
    s=$(get ${T[head]} /exams/$1 | j "(v.steps||[]).find(s => s.stepId === '$2')?.status ?? ''")
    [ -n "$s" ] && [ "$s" != waiting ] && return 0; sleep 1; done; echo "timeout waiting for $2"; return 1; }
approve() { # who step [body]
  wait_step $EID "${2/\%23/#}"
  echo "$1 approves $2: $(post ${T[$1]} /exams/$EID/steps/$2/approve "${3:-{\}}" | j 'v.status ? v.status + (v.late ? " (late)" : "") : v.detail')"; }

say "GP 3, row 1: the question list (1 credit: 10 questions), approved by version"
node -e '
const q = (i) => ({ number: i, kind: i > 5 ? "situational" : "question",
  text: i > 5 ? `Ситуациялық есеп ${i - 5}: науқас әйел, ұзақ жөтел, диагноз қойыңыз` : `Сұрақ ${i}: жүрек қақпақшаларының құрылысы` });
console.log(JSON.stringify({ questions: Array.from({ length: 10 }, (_, i) => q(i + 1)),
  rubric: [{ criterion: "Толық және дұрыс жауап", points: 100 }], aids: ["Атлас"],
  literature: ["Сапин М.Р. Анатомия человека"] }));' > "$OUT/questions.json"
upload ${T[head]} /exams/$EID/question-lists "$OUT/questions.json" application/json | j '({version: v.version, questions: v.questionCount, sha256: v.sha256})'
approve head departmentDiscussion
approve committee programmeCommitteeApproval
approve resp moodleUpload
get ${T[head]} /exams/$EID | j 'v.steps.filter(s => s.subject).map(s => s.stepId + " approved version " + s.subject.version + " " + s.subject.sha256.slice(0, 12))'

say "§5.1–§5.3, Form 1: the tickets of each sitting (10 variants, none repeated across days), approved by the head"
for day in 1 2; do
  node -e '
const day = Number(process.argv[1]);
const q = (i) => `Сұрақ ${i}: жүрек қақпақшаларының құрылысы`;
const t = (i) => `Ситуациялық есеп ${i}: науқас әйел, ұзақ жөтел, диагноз қойыңыз`;
const pairs = [];
for (let a = 1; a <= 5; a++) for (let b = 1; b <= 5; b++) pairs.push([a, b]);
const mine = pairs.slice((day - 1) * 10, day * 10);
console.log(JSON.stringify({ variants: mine.map(([a, b]) => ({ items: [{ kind: "question", text: q(a) }, { kind: "situational", text: t(b) }] })) }));' $day > "$OUT/day$day.json"
  upload ${T[resp]} /exams/$EID/ticket-sets/$day "$OUT/day$day.json" application/json | j '"day " + v.day + ": version " + v.version + ", " + v.variantCount + " variants, sealed (sha256 " + v.sha256.slice(0, 12) + "…)"'
  post ${T[head]} /exams/$EID/ticket-sets/$day/approve '{}' | j '"day " + v.day + " approved; SHA-256 of its seed committed: " + v.seed.commitment.slice(0, 16) + "…"'
  approve resp ticketUpload%23$day
done
curl -s -o "$OUT/form1-day1-kk.pdf" -H "authorization: Bearer ${T[head]}" "$API/exams/$EID/ticket-sets/1/form1.pdf?lang=kk"
curl -s -o "$OUT/form1-day2-ru.pdf" -H "authorization: Bearer ${T[head]}" "$API/exams/$EID/ticket-sets/2/form1.pdf?lang=ru"
echo "Form 1: $OUT/form1-day1-kk.pdf, $OUT/form1-day2-ru.pdf"
echo "an examiner before the exam: $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer ${T[examiner]}" $API/exams/$EID/ticket-sets/1)"

say "§5.1: the admission list (s4 not admitted), checked by the testing centre"
cat > "$OUT/admission.csv" <<CSV
email,rating,admitted,day
s1@example.edu.kz,82.5,yes,1
s2@example.edu.kz,74,yes,1
s3@example.edu.kz,91,yes,2
s4@example.edu.kz,38,no,2
CSV
upload ${T[centre]} /exams/$EID/admission "$OUT/admission.csv" text/csv | j '({listVersion: v.listVersion, admitted: v.admitted, notAdmitted: v.notAdmitted})'
approve centre admissionCheck

say "§5.5: the sittings run; each admitted student gets a variant at their sitting's start"
for _ in $(seq 1 200); do
  s=$(get ${T[s1]} /exams/$EID/my-ticket | j 'v.variant ?? ""'); [ -n "$s" ] && break; sleep 1; done
get ${T[s1]} /exams/$EID/my-ticket | j '"s1 (sitting 1) has variant " + v.variant + ": " + v.items.map(i => i.text).join(" / ")'
echo "s4 (not admitted): $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer ${T[s4]}" $API/exams/$EID/my-ticket)"

say "after E: the seeds are revealed; anyone who reads the exam recomputes the assignment"
for _ in $(seq 1 200); do
  s=$(get ${T[examiner]} /exams/$EID/assignment/verify | j 'String(v.verified ?? "")'); [ "$s" = true ] && break; sleep 1; done
get ${T[examiner]} /exams/$EID/assignment/verify | j '({verified: v.verified, days: (v.days ?? []).map(d => "day " + d.day + ": seed matches its commitment " + d.seedMatchesCommitment + ", " + d.students + " students, mismatches " + d.mismatches.length)})'
get ${T[centre]} /exams/$EID/assignment.csv

say "§5.6, §5.17, rows 6–7: the examiner sees codes only and grades them"
for _ in $(seq 1 60); do
  n=$(get ${T[examiner]} /exams/$EID/works | j '(v.items ?? []).length'); [ "$n" = 3 ] && break; sleep 1; done
WORKS=$(get ${T[examiner]} /exams/$EID/works)
echo "$WORKS" | j 'v.items.map(w => "work " + w.code + " (day " + w.day + ")")'
GRADES=$(echo "$WORKS" | j 'JSON.stringify(v.items.map((w, i) => ({ code: w.code, score: [88, 47.5, 71][i] })))')
post ${T[examiner]} /exams/$EID/grades "$GRADES" | j '({saved: v.saved, works: v.works, graded: v.graded})'
approve examiner grading

say "row 8: grading done, the workflow opens the codes; §5.19, row 9: the head forms the sheet"
for _ in $(seq 1 60); do
  r=$(post ${T[head]} /exams/$EID/grade-sheets '{}'); v=$(echo "$r" | j 'String(v.version ?? "")'); [ -n "$v" ] && break; sleep 1; done
echo "$r" | j '({version: v.version, students: v.students, sha256: v.sha256.slice(0, 12)})'
post ${T[examiner]} /exams/$EID/grade-sheets/1/confirm '{"confirmed":true}' | j '"examiner confirms; pending " + JSON.stringify(v.pending)'
post ${T[head]} /exams/$EID/grade-sheets/1/confirm '{"confirmed":true}' | j '"head confirms; reconciled at " + v.reconciledAt'
approve head gradeSheet
curl -s -o "$OUT/statement-v1-kk.pdf" -H "authorization: Bearer ${T[head]}" "$API/exams/$EID/grade-sheets/1/statement.pdf?lang=kk"
echo "reconciliation statement: $OUT/statement-v1-kk.pdf"

say "row 10: the registrar exports version 1 to the transcript; the results are published"
get ${T[registrar]} /exams/$EID/grade-sheets/1/export.csv
approve registrar gradeSheetExport
wait_step $EID appealFiling
# The student with the lowest score appeals (which work got which score was blind to the examiner).
AP=$(get ${T[head]} /exams/$EID/grade-sheets/1 | j '[...v.rows].sort((a, b) => a.score - b.score)[0].email.split("@")[0]')
NEW=$(get ${T[$AP]} /exams/$EID/my-grade | j 'String(v.score + 8)')
get ${T[$AP]} /exams/$EID/my-grade | j '"'$AP' reads their own result: " + v.score + " " + v.letter + " (version " + v.version + ")"'

say "row 12: $AP appeals within the window; the commission of three decides and the score changes"
post ${T[$AP]} /exams/$EID/appeals '{"reason":"Екінші сұрақтың жауабы толық бағаланбады"}' | j '({caseId: v.caseId, decisionStep: v.decisionStep, holds: v.holds.map(h => h.caseId + " " + h.kind)})'
wait_step $EID 'appealDecision@AP-1'
post ${T[appeals]} /exams/$EID/appeals/AP-1/outcome "{\"decision\":\"upheld\",\"newScore\":$NEW,\"reason\":\"The situational task was answered in full\",\"members\":[\"${ID[appeals]}\",\"${ID[appeals2]}\",\"${ID[appeals3]}\"]}" \
  | j '({decision: v.decision, oldScore: v.oldScore, newScore: v.newScore, gradeSheet: v.gradeSheet, step: v.step?.status})'
get ${T[$AP]} /exams/$EID/my-grade | j '"'$AP' now: " + v.score + " " + v.letter + " (version " + v.version + ", appeal " + v.appeal.caseId + " " + v.appeal.status + ")"'
get ${T[registrar]} /exams/$EID/grade-sheets/2/export.csv
curl -s -o "$OUT/statement-v2-ru.pdf" -H "authorization: Bearer ${T[head]}" "$API/exams/$EID/grade-sheets/2/statement.pdf?lang=ru"
echo "reconciliation statement after the appeal: $OUT/statement-v2-ru.pdf"

say "the audit chain"
get ${T[head]} /exams/$EID | j 'v.steps.filter(s => !/^(proctor|violation|examinerList|refusal)/.test(s.stepId)).map(s => `${s.stepId.padEnd(24)} ${s.status.padEnd(9)} ${s.subject ? s.subject.kind + " " + (s.subject.version ?? s.subject.caseId ?? s.subject.count ?? "") : ""}`)'
echo "history: GET /exams/$EID/history (auditor); the emails: http://127.0.0.1:3000/dev/mail"
