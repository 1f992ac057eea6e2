import {
  contentProblems,
  DOCUMENT_CLAUSES,
  DocumentContentError,
  issueDocument,
} from './documents';
import { SAMPLE_FORM2, SAMPLE_FORM3, SAMPLE_FORM4, SAMPLE_IMPOSTOR } from './pdf/samples';

describe('integrity documents: content checks before a number is taken', () => {
  it('the samples of Form 2, Form 3, the impostor act and Form 4 are complete', () => {
    expect(contentProblems({ kind: 'form2', content: SAMPLE_FORM2 })).toEqual([]);
    expect(contentProblems({ kind: 'form3', content: SAMPLE_FORM3 })).toEqual([]);
    expect(contentProblems({ kind: 'impostor', content: SAMPLE_IMPOSTOR })).toEqual([]);
    expect(contentProblems({ kind: 'form4', content: SAMPLE_FORM4 })).toEqual([]);
  });

  it('Form 2, §5.8: an act drawn up by two people, with a commission member unnamed, or with no violation ticked, is refused', () => {
    const two = { ...SAMPLE_FORM2, drawnUpBy: SAMPLE_FORM2.drawnUpBy.slice(0, 2) };
    expect(contentProblems({ kind: 'form2', content: two })).toEqual([
      'drawnUpBy: at least 3 people (§5.8)',
    ]);
    const none = { ...SAMPLE_FORM2, violations: [], other: ' ' };
    expect(contentProblems({ kind: 'form2', content: none })).toEqual([
      'violations: at least one, or other',
    ]);
    const unnamed = { ...SAMPLE_FORM2, commission: [{ name: 'Ержан Адалов', position: ' ' }] };
    expect(contentProblems({ kind: 'form2', content: unnamed })).toEqual([
      'commission[0]: name and position',
    ]);
    const unknown = { ...SAMPLE_FORM2, violations: ['smoking' as 'talking'] };
    expect(contentProblems({ kind: 'form2', content: unknown })[0]).toMatch(/^violations: one of/);
  });

  it('Impostor act, §5.8: the impostor is named and the date and time are well-formed', () => {
    const content = { ...SAMPLE_IMPOSTOR, impostor: '', date: '14.01.2027', time: '9:05' };
    expect(contentProblems({ kind: 'impostor', content })).toEqual([
      'impostor: the name of the person found',
      'date: a date YYYY-MM-DD',
      'time: HH:mm',
    ]);
  });

  it('Form 3, §5.16: the certifier and both witnesses have a name and a position; the act refused is numbered', () => {
    const content = {
      ...SAMPLE_FORM3,
      witnesses: [SAMPLE_FORM3.witnesses[0], { name: 'Ә. Б.', position: '' }] as [
        (typeof SAMPLE_FORM3.witnesses)[0],
        (typeof SAMPLE_FORM3.witnesses)[0],
      ],
      act: { number: 0, date: '2027-01-14' },
    };
    expect(contentProblems({ kind: 'form3', content })).toEqual([
      'witnesses[1]: name and position',
      'act.number: the act refused',
    ]);
  });

  it('Form 4, §5.15: the working-group member is named and every row says drawn or not drawn', () => {
    const content = {
      ...SAMPLE_FORM4,
      member: '',
      rows: [{ ...SAMPLE_FORM4.rows[0], act: 'maybe' as 'drawn' }],
    };
    expect(contentProblems({ kind: 'form4', content })).toEqual([
      'member: the working-group member (§5.15)',
      'rows[0].act: drawn or not_drawn',
    ]);
  });

  it('issueDocument refuses incomplete content before it touches the database', async () => {
    const query = jest.fn();
    const two = { ...SAMPLE_FORM2, drawnUpBy: SAMPLE_FORM2.drawnUpBy.slice(0, 2) };
    await expect(
      issueDocument(
        { query },
        {
          kind: 'form2',
          content: two,
          key: 'k',
          institution: 'institution',
          language: 'kk',
          at: 0,
          timeZone: 'Asia/Almaty',
          createdBy: 'someone',
        },
      ),
    ).rejects.toBeInstanceOf(DocumentContentError);
    expect(query).not.toHaveBeenCalled();
  });

  it('each kind’s audit record names its clauses', () => {
    expect(DOCUMENT_CLAUSES).toEqual({
      form2: ['§5.8', 'Form 2'],
      form3: ['§5.16', 'Form 3'],
      impostor: ['§5.8'],
      form4: ['§5.13', '§5.14', '§5.15', 'Form 4'],
    });
  });
});
