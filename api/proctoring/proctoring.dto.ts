import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** What the proctoring system reports (README "Proctoring webhook"). */
export const PROCTORING_EVENT_TYPES = [
  'session.started',
  'violation.flagged',
  'recording.ready',
] as const;
export type ProctoringEventType = (typeof PROCTORING_EVENT_TYPES)[number];

/** An instant with its offset (or Z), as the API writes instants. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** An id of the proctoring system: an event's, a recording's (no spaces, no separators of paths). */
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const EXTERNAL_ID_MESSAGE = 'must be 1–128 letters, digits, ".", "_", ":" or "-"';

export class ProctoringRecordingDto {
  @ApiProperty({ description: "the proctoring system's id of the recording", example: 'rec-8841' })
  @IsString()
  @Matches(EXTERNAL_ID, { message: `externalId ${EXTERNAL_ID_MESSAGE}` })
  externalId!: string;

  @ApiPropertyOptional({
    description: 'where the recording is watched (required with recording.ready)',
    example: 'https://proctoring.example.edu.kz/recordings/rec-8841',
  })
  @IsOptional()
  @IsUrl(
    { protocols: ['https', 'http'], require_protocol: true, require_tld: false },
    { message: 'link must be an http(s) URL' },
  )
  @MaxLength(2000)
  link?: string;
}

export class ProctoringViolationDto {
  @ApiProperty({ description: "the proctoring system's kind of flag", example: 'second-person' })
  @IsString()
  @Matches(/^\S.{0,63}$/s, { message: 'kind must be 1–64 characters' })
  kind!: string;

  @ApiProperty({ description: 'when it was seen (ISO 8601 with offset)' })
  @Matches(INSTANT, { message: 'at must be an ISO 8601 instant with offset' })
  at!: string;

  @ApiPropertyOptional({ description: "the proctoring system's note", maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** POST /proctoring/events: one event of the proctoring system, signed (X-Emtihan-Signature). */
export class ProctoringEventDto {
  @ApiProperty({
    description: 'the event id; each is accepted once (a replay is a 409)',
    example: 'evt-2027-03-16-0001',
  })
  @IsString()
  @Matches(EXTERNAL_ID, { message: `id ${EXTERNAL_ID_MESSAGE}` })
  id!: string;

  @ApiProperty({ enum: PROCTORING_EVENT_TYPES })
  @IsIn(PROCTORING_EVENT_TYPES, {
    message: `type must be one of ${PROCTORING_EVENT_TYPES.join(', ')}`,
  })
  type!: ProctoringEventType;

  @ApiProperty({ description: 'when the proctoring system sent it (ISO 8601 with offset)' })
  @Matches(INSTANT, { message: 'sentAt must be an ISO 8601 instant with offset' })
  sentAt!: string;

  @ApiProperty({ example: '2027-spring-anatomy-1' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'examId must be an exam id' })
  examId!: string;

  @ApiPropertyOptional({ description: "the student's directory id (or studentEmail)" })
  @IsOptional()
  @IsString()
  @Matches(/^[^\s]{1,64}$/, { message: 'studentId must be a directory id' })
  studentId?: string;

  @ApiPropertyOptional({ description: "the student's email in the directory (or studentId)" })
  @IsOptional()
  @IsEmail({ require_tld: false }, { message: 'studentEmail must be an email address' })
  @MaxLength(320)
  studentEmail?: string;

  @ApiProperty({ type: ProctoringRecordingDto })
  @IsObject({ message: 'recording must be an object' })
  @ValidateNested()
  @Type(() => ProctoringRecordingDto)
  recording!: ProctoringRecordingDto;

  @ApiPropertyOptional({
    type: ProctoringViolationDto,
    description: 'with violation.flagged only',
  })
  @IsOptional()
  @IsObject({ message: 'violation must be an object' })
  @ValidateNested()
  @Type(() => ProctoringViolationDto)
  violation?: ProctoringViolationDto;
}
