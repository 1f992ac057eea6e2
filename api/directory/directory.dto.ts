import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class UnitNameDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(300) kk!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(300) ru!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(300) en!: string;
}

export class UnitDto {
  @ApiProperty({ example: 'anatomy', description: 'stable id used as a role scope' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/, {
    message: 'id must be 1–64 lower-case letters, digits, ".", "_" or "-"',
  })
  id!: string;

  @ApiProperty({ enum: ['institution', 'school', 'department'] })
  @IsIn(['institution', 'school', 'department'], {
    message: 'kind must be institution, school or department',
  })
  kind!: 'institution' | 'school' | 'department';

  @ApiPropertyOptional({ example: 'school-of-medicine' })
  @IsOptional()
  @IsString()
  parentId?: string;

  @ApiProperty({ type: UnitNameDto })
  @ValidateNested()
  @Type(() => UnitNameDto)
  name!: UnitNameDto;
}

export class UnitsDto {
  @ApiProperty({ type: [UnitDto] })
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => UnitDto)
  units!: UnitDto[];
}

export class PasswordDto {
  @ApiProperty({ description: 'at least 12 characters', format: 'password' })
  @IsString()
  @MinLength(12, { message: 'password must be at least 12 characters' })
  @MaxLength(1000)
  password!: string;
}
