import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { EXAM_EVENTS, type ExamEventKind } from '../../workflows/exam.contract';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  ValidateNested,
  IsInt,
  Max,
  Min,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';

export class CreateExamDto {
  @ApiPropertyOptional({
    description: 'Business id of the exam (e.g. from the AIS); generated when absent',
    example: '2027-spring-anatomy-1',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message:
      'id must be 1–64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  id?: string;

  @ApiProperty({ example: 'Human anatomy' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  discipline!: string;

  @ApiProperty({
    example: 'anatomy',
    description: 'the department (an org unit id of the directory) that holds the exam',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  department!: string;

  @ApiProperty({
    description: "D: the exam's first day, local date in the institution's time zone",
    example: '2027-03-15',
  })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'examDate must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'examDate must be a real calendar date' })
  examDate!: string;

  @ApiPropertyOptional({
    description:
      'Start of the first sitting, ISO 8601 with offset; default 09:00 local on examDate',
    example: '2027-03-15T09:00:00+05:00',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO 8601 date-time with offset' })
  @Matches(/T.*(Z|[+-]\d{2}:\d{2})$/, {
    message: 'startsAt must carry a time and an offset (Z or ±hh:mm)',
  })
  startsAt?: string;

  @ApiPropertyOptional({
    description:
      'E: end of the last sitting, ISO 8601 with offset; default 3 hours after startsAt (product default)',
    example: '2027-03-15T12:00:00+05:00',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'endsAt must be an ISO 8601 date-time with offset' })
  @Matches(/T.*(Z|[+-]\d{2}:\d{2})$/, {
    message: 'endsAt must carry a time and an offset (Z or ±hh:mm)',
  })
  endsAt?: string;

  @ApiPropertyOptional({
    description:
      "An exam of several days (or sittings): each sitting's start, ISO 8601 with offset, in order; the first on examDate (startsAt, if given, equals it); E defaults to 3 hours after the last. Each sitting is an exam day with its own ticket set (§5.1); two may share a date.",
    type: [String],
    example: ['2027-03-15T09:00:00+05:00', '2027-03-16T09:00:00+05:00'],
  })
  @IsOptional()
  @IsArray({ message: 'sittings must be an array of date-times' })
  @ArrayMinSize(1, { message: 'sittings must list at least one sitting' })
  @ArrayMaxSize(10, { message: 'sittings must list at most 10 sittings' })
  @IsISO8601(
    { strict: true },
    { each: true, message: 'sittings must be ISO 8601 date-times with offsets' },
  )
  @Matches(/T.*(Z|[+-]\d{2}:\d{2})$/, {
    each: true,
    message: 'sittings must carry a time and an offset (Z or ±hh:mm)',
  })
  sittings?: string[];

  @ApiPropertyOptional({
    description: "The discipline's credits (GP 3 question count)",
    example: 3,
  })
  @IsOptional()
  @IsInt({ message: 'credits must be a whole number' })
  @Min(1, { message: 'credits must be at least 1' })
  @Max(60, { message: 'credits must be at most 60' })
  credits?: number;

  @ApiPropertyOptional({
    description:
      'Expected number of written works (§5.17: 3 days to grade up to 300, 5 above); default 0',
    example: 120,
  })
  @IsOptional()
  @IsInt({ message: 'expectedWorks must be a whole number' })
  @Min(0, { message: 'expectedWorks must be 0 or more' })
  @Max(1_000_000, { message: 'expectedWorks must be at most 1000000' })
  expectedWorks?: number;

  @ApiPropertyOptional({ description: 'Part of a summer session (row 4)', default: false })
  @IsOptional()
  @IsBoolean({ message: 'summer must be true or false' })
  summer?: boolean;

  @ApiPropertyOptional({ description: 'A retake (§5.3)', default: false })
  @IsOptional()
  @IsBoolean({ message: 'retake must be true or false' })
  retake?: boolean;
}

export class ApproveStepDto {
  @ApiPropertyOptional({ example: 'Discussed at the department meeting, minutes No. 7' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;

  @ApiPropertyOptional({
    description:
      'document-backed steps (GP 3: departmentDiscussion, programmeCommitteeApproval): the question-list version approved; default the latest',
    example: 2,
  })
  @IsOptional()
  @IsInt({ message: 'version must be a whole number' })
  @Min(1, { message: 'version must be at least 1' })
  version?: number;
}

export class RejectStepDto {
  @ApiProperty({
    description: 'what has to change (the step stays open and its owners are told)',
    example: 'Questions 12 and 31 repeat; the rubric lacks the situational task',
  })
  @IsString()
  @IsNotEmpty({ message: 'comment must say what has to change' })
  @MaxLength(2000)
  comment!: string;
}

export class WaiveStepDto {
  @ApiProperty({
    description: 'why the step is not needed (only a role above the owner may waive)',
    example: 'The discipline moved to an oral exam this session (order No. 12)',
  })
  @IsString()
  @IsNotEmpty({ message: 'comment must give the reason' })
  @MaxLength(2000)
  comment!: string;
}

export class ReassignStepDto {
  @ApiProperty({ description: 'the directory id of the person who takes the step over' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  personId!: string;

  @ApiProperty({ example: 'The head is on leave until 20 January' })
  @IsString()
  @IsNotEmpty({ message: 'comment must give the reason' })
  @MaxLength(2000)
  comment!: string;
}

export class RescheduleExamDto {
  @ApiProperty({ description: "D: the exam's new first day, local date", example: '2027-04-20' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'examDate must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'examDate must be a real calendar date' })
  examDate!: string;

  @ApiPropertyOptional({ description: 'new start of the first sitting; default 09:00 local' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'startsAt must be an ISO 8601 date-time with offset' })
  @Matches(/T.*(Z|[+-]\d{2}:\d{2})$/, {
    message: 'startsAt must carry a time and an offset (Z or ±hh:mm)',
  })
  startsAt?: string;

  @ApiPropertyOptional({ description: 'new E; default 3 hours after startsAt' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'endsAt must be an ISO 8601 date-time with offset' })
  @Matches(/T.*(Z|[+-]\d{2}:\d{2})$/, {
    message: 'endsAt must carry a time and an offset (Z or ±hh:mm)',
  })
  endsAt?: string;

  @ApiProperty({ example: 'The exam hall is unavailable that week (order No. 31)' })
  @IsString()
  @IsNotEmpty({ message: 'reason must say why the exam moves' })
  @MaxLength(2000)
  reason!: string;
}

const EVENT_KINDS = Object.keys(EXAM_EVENTS) as ExamEventKind[];

export class ExamEventDto {
  @ApiProperty({ enum: EVENT_KINDS, example: 'violationFound' })
  @IsIn(EVENT_KINDS, { message: `event must be one of ${EVENT_KINDS.join(', ')}` })
  event!: ExamEventKind;

  @ApiProperty({ description: 'the violation case or appeal number', example: 'V-2027-014' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message:
      'caseId must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  caseId!: string;

  @ApiPropertyOptional({ example: 'Second person in the frame at 10:42 (recording 5512)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

/** An exam of a session: as a registration, with the session's summer flag. */
export class SessionExamDto extends OmitType(CreateExamDto, ['summer'] as const) {}

export class CreateSessionDto {
  @ApiPropertyOptional({
    description: 'Business id of the session; generated when absent',
    example: '2027-spring',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message:
      'id must be 1–64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  id?: string;

  @ApiProperty({ example: 'Spring intermediate attestation 2027' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;

  @ApiProperty({
    description: 'S: the first day of the session, local date',
    example: '2027-05-24',
  })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'startDate must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'startDate must be a real calendar date' })
  startDate!: string;

  @ApiPropertyOptional({
    description: 'A summer session (row 4: schedule S − 1 week)',
    default: false,
  })
  @IsOptional()
  @IsBoolean({ message: 'summer must be true or false' })
  summer?: boolean;

  @ApiProperty({
    description: 'the org unit the session covers (the institution or a school)',
    example: 'institution',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  scope!: string;

  @ApiProperty({ type: [SessionExamDto] })
  @IsArray({ message: 'exams must be a list' })
  @ArrayMinSize(1, { message: 'exams must list at least one exam' })
  @ArrayMaxSize(5000, { message: 'exams must list at most 5000 exams' })
  @ValidateNested({ each: true })
  @Type(() => SessionExamDto)
  exams!: SessionExamDto[];
}
