import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { badRequest } from '../common/problem';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { PasswordDto, UnitsDto } from './directory.dto';
import { DirectoryService } from './directory.service';
import { IMPORT_LIMITS } from './import/parse-people';

/** The part of multer's file the import reads. */
interface UploadedSheet {
  originalname: string;
  mimetype: string;
  buffer: Buffer;
}

@ApiTags('directory')
@ApiBearerAuth()
@Controller('directory')
export class DirectoryController {
  constructor(@Inject(DirectoryService) private readonly directory: DirectoryService) {}

  @Get('units')
  @Allow('*')
  @ApiOperation({ summary: 'The institution, its schools and departments' })
  units() {
    return this.directory.units();
  }

  @Put('units')
  @Allow('admin')
  @ApiOperation({ summary: 'Create or rename org units (admin); kind and parent never change' })
  @ApiResponse({ status: 422, description: 'a unit breaks the tree; errors name each' })
  putUnits(@Body() dto: UnitsDto) {
    return this.directory.putUnits(dto);
  }

  @Post('people/import')
  @Allow('admin')
  @HttpCode(200)
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: IMPORT_LIMITS.maxBytes, files: 1, fields: 0 } }),
  )
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'CSV or XLSX: email, full_name, language, role, scope',
        },
      },
    },
  })
  @ApiOperation({ summary: 'Import people and roles (admin): all rows or nothing' })
  @ApiResponse({ status: 422, description: 'nothing imported; errors give row, column and reason' })
  @ApiResponse({ status: 413, description: 'file larger than 2 MB' })
  importPeople(@UploadedFile() file: UploadedSheet | undefined) {
    return this.directory.importPeople(file);
  }

  @Post('people/:id/password')
  @Allow('admin')
  @HttpCode(204)
  @ApiOperation({ summary: "Set a person's initial password (admin)" })
  @ApiResponse({ status: 404, description: 'no such person' })
  async setPassword(@Param('id') id: string, @Body() dto: PasswordDto): Promise<void> {
    await this.directory.setPassword(id, dto.password);
  }

  @Get('people')
  @Allow('admin', 'auditor')
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOperation({ summary: 'People and their roles (admin, auditor), paginated by email' })
  people(
    @CurrentPrincipal() principal: Principal,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw badRequest('limit', 'must be a whole number from 1 to 500');
    if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,400}$/.test(cursor))
      throw badRequest('cursor', 'is not a cursor from a previous page');
    return this.directory.people(principal, n, cursor);
  }
}
