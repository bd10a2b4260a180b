import { applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiNotFound, ErrorBody } from '../http/api-responses';
import { CancelView } from './dto/job-views.dto';

/** The answers of a cancel, for a user's own job and an admin's alike. */
export const ApiCancelResponses = (notFound: string) =>
  applyDecorators(
    ApiOkResponse({ type: CancelView, description: 'Cancelled' }),
    ApiAcceptedResponse({
      type: CancelView,
      description: 'Still running at the answer; it stops shortly',
    }),
    ApiNotFound(notFound),
    ApiConflictResponse({ type: ErrorBody, description: 'The job already finished' }),
  );
