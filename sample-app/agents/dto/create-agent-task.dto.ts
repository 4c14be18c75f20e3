import { field, objectSchema } from '../../common/object-schema.js';

/** Body of `POST /agents/tasks`. */
export interface CreateAgentTaskDto {
  /** What the agent should find out. */
  goal: string;
}

export const createAgentTaskSchema = objectSchema<CreateAgentTaskDto>({
  goal: field.string({ min: 5, max: 2000 }),
});
